import { createHash, hash } from 'node:crypto';

/** Namespace of every derived event id (a fixed random UUID; never change it, ids in the log depend on it). */
const EAIO_DERIVED_EVENTS = '4b0f6a4e-7a57-4f0e-9a52-8f6c2e1d3b90';
const NAMESPACE_BYTES = Buffer.from(EAIO_DERIVED_EVENTS.replaceAll('-', ''), 'hex');
/**
 * Namespace and name are hashed from one reused buffer (one-shot `hash`, no Hash object per id). Safe to
 * share: it is filled and hashed synchronously, never across an await.
 */
const SCRATCH = Buffer.allocUnsafe(4096);
NAMESPACE_BYTES.copy(SCRATCH, 0);
const MAX_FAST_NAME = Math.floor((SCRATCH.length - NAMESPACE_BYTES.length) / 3);

/**
 * A derived event's id as a pure function of what it was derived from (UUID v5, RFC 9562 §5.5), so
 * replaying the log yields the same derived events with the same ids and downstream upserts stay
 * idempotent. `parts` name the derivation, e.g. `['reading-aggregate', meterId, 'PT1H', windowStart, revision]`.
 *
 * Computed with node:crypto directly rather than `uuid`'s v5, which turns every name into a JS byte array
 * and re-parses the namespace per call: an import derives one id per value (millions per file), where
 * that cost 4x the time and most of the garbage. A unit test holds it equal to `uuid`'s v5.
 */
export function derivedEventId(...parts: readonly (string | number)[]): string {
  const name = parts.join('\u001f');
  let digest: Buffer;
  if (name.length <= MAX_FAST_NAME) {
    // A UTF-16 code unit is at most 3 UTF-8 bytes, so the name always fits after the namespace.
    const length = SCRATCH.write(name, NAMESPACE_BYTES.length, 'utf8');
    digest = hash('sha1', SCRATCH.subarray(0, NAMESPACE_BYTES.length + length), 'buffer');
  } else {
    digest = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  }
  digest[6] = ((digest[6] as number) & 0x0f) | 0x50;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  const hex = digest.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
