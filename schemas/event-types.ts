/**
 * TypeScript shapes of the Avro events, as avsc decodes them (timestamp-millis as `Date`). The types
 * are generated from `schemas/avro` (`npm run schemas:generate`); only the envelope is written by hand.
 */
import type { EventTypes, TraceContext } from './generated/event-types.ts';

export * from './generated/event-types.ts';

/** Fields every event carries: the first three of every schema, and the trace context as its last. */
export interface EventEnvelope {
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly source: string;
  /** Optional because producers may omit it (Avro default null); decoded events always carry it. */
  readonly traceContext?: TraceContext | null;
}

type Assert<T extends true> = T;
// Fails to compile when a schema loses an envelope field or types it differently.
type _EveryEventHasTheEnvelope = Assert<
  EventTypes extends { readonly [K in keyof EventTypes]: EventEnvelope } ? true : false
>;
