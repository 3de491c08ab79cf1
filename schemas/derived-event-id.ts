import { createHash } from 'node:crypto';

/** Namespace of every derived event id (a fixed random UUID; never change it, ids in the log depend on it). */
const EAIO_DERIVED_EVENTS = '4b0f6a4e-7a57-4f0e-9a52-8f6c2e1d3b90';
const NAMESPACE_BYTES = Buffer.from(EAIO_DERIVED_EVENTS.replaceAll('-', ''), 'hex');

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
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(parts.join('\u001f'), 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
