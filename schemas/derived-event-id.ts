import { createHash } from 'node:crypto';

/** Namespace of every derived event id (a fixed random UUID; never change it, ids in the log depend on it). */
const EAIO_DERIVED_EVENTS = '4b0f6a4e-7a57-4f0e-9a52-8f6c2e1d3b90';
const NAMESPACE_BYTES = Buffer.from(EAIO_DERIVED_EVENTS.replaceAll('-', ''), 'hex');
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A derived event's id as a pure function of what it was derived from (UUID v5), so replaying the
 * log yields the same derived events with the same ids and downstream upserts stay idempotent.
 * `parts` name the derivation, e.g. `['reading-aggregate', meterId, 'PT1H', windowStart, revision]`.
 *
 * RFC 4122 v5 computed with node:crypto's SHA-1 directly: the same ids as the `uuid` package's `v5`
 * (a unit test holds them equal), about four times faster, which an import of a million readings feels.
 */
export function derivedEventId(...parts: readonly (string | number)[]): string {
  const hash = createHash('sha1')
    .update(NAMESPACE_BYTES)
    .update(parts.map(String).join('\u001f'), 'utf8')
    .digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const h = (i: number): string => HEX[hash[i] as number] as string;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
