import { v5 as uuidv5 } from 'uuid';

/** Namespace of every derived event id (a fixed random UUID; never change it, ids in the log depend on it). */
const EAIO_DERIVED_EVENTS = '4b0f6a4e-7a57-4f0e-9a52-8f6c2e1d3b90';

/**
 * A derived event's id as a pure function of what it was derived from (UUID v5), so replaying the
 * log yields the same derived events with the same ids and downstream upserts stay idempotent.
 * `parts` name the derivation, e.g. `['reading-aggregate', meterId, 'PT1H', windowStart, revision]`.
 */
export function derivedEventId(...parts: readonly (string | number)[]): string {
  return uuidv5(parts.map(String).join('\u001f'), EAIO_DERIVED_EVENTS);
}
