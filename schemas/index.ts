export { AVRO_SCHEMAS } from './avro-schemas.ts';
export type { DecodePhase } from './decode-errors.ts';
export { SchemaDecodeError, UnexpectedEventTypeError } from './decode-errors.ts';
export type { DecodedEvent, EventCodec, EventCodecOptions } from './event-codec.ts';
export { createEventCodec, valueSubject } from './event-codec.ts';
export type {
  BuildingRegistered,
  EventEnvelope,
  EventTypeName,
  EventTypes,
  MeterKind,
  ReadingUnit,
  SensorReading,
} from './event-types.ts';
export { METER_KINDS, READING_UNITS } from './event-types.ts';
export { LOGICAL_TYPES, TimestampMillisType } from './timestamp-millis.ts';
export type { TopicKey, TopicNames, TopicSpec } from './topic-catalog.ts';
export { TOPICS, topicNames } from './topic-catalog.ts';
