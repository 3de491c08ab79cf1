export { AVRO_SCHEMAS } from './avro-schemas.ts';
export type { AvroToZodOptions, AvroZodMeta, ZodToAvroOptions } from './avro-zod/index.ts';
export {
  AVRO_LONG_MAX,
  AVRO_LONG_MIN,
  avroCanonicalForm,
  avroSchemasEquivalent,
  avroToZod,
  avroZodMeta,
  SchemaConversionError,
  zodToAvro,
} from './avro-zod/index.ts';
export type {
  CheckOptions,
  CompatibilityLevel,
  Incompatibility,
  SubjectCheck,
} from './compatibility/index.ts';
export {
  checkCompatibility,
  checkSchemasAgainstRegistry,
  findIncompatibilities,
} from './compatibility/index.ts';
export type { DecodePhase } from './decode-errors.ts';
export { SchemaDecodeError, UnexpectedEventTypeError } from './decode-errors.ts';
export { derivedEventId } from './derived-event-id.ts';
export { DAY_MS, HOUR_MS, MINUTE_MS } from './durations.ts';
export type { EnsuredTopics, TopicReplication } from './ensure-topics.ts';
export { ensureTopics, replicationFor } from './ensure-topics.ts';
export type { DecodedEvent, EventCodec, EventCodecOptions, TopicValue } from './event-codec.ts';
export { createEventCodec } from './event-codec.ts';
export type {
  AnomalyDetected,
  AuditOutcome,
  AuditRecord,
  BuildingRegistered,
  CommandAction,
  CommandOutcome,
  ControlCommandAction,
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  ControlPointKind,
  ControlPointRegistered,
  ControlSchedule,
  ControlUnit,
  ControlVerdict,
  DataQualityIssue,
  DataQualityIssueKind,
  DeadLetterEnvelope,
  DecisionReason,
  EventEnvelope,
  EventTypeName,
  EventTypes,
  ForecastHorizon,
  ForecastHour,
  ForecastIssued,
  ForecastModelKind,
  MeterKind,
  MeterRegistered,
  ModelPromoted,
  ModelTrained,
  OperationOutcome,
  OperationRecorded,
  OutcomeCause,
  PromotionScope,
  QualityFlag,
  ReadingAggregate,
  ReadingUnit,
  ReasonCode,
  SensorReading,
  Severity,
  TemperatureSource,
  TraceContext,
  WeatherAlert,
  WeatherAlertKind,
  WeatherForecast,
  WeatherObservation,
  WindowSize,
} from './event-types.ts';
export {
  AUDIT_OUTCOMES,
  COMMAND_ACTIONS,
  COMMAND_OUTCOMES,
  CONTROL_POINT_KINDS,
  CONTROL_UNITS,
  CONTROL_VERDICTS,
  DATA_QUALITY_ISSUE_KINDS,
  EVENT_TYPE_NAMES,
  FORECAST_HORIZONS,
  FORECAST_MODEL_KINDS,
  METER_KINDS,
  OPERATION_OUTCOMES,
  OUTCOME_CAUSES,
  PROMOTION_SCOPES,
  QUALITY_FLAGS,
  READING_UNITS,
  REASON_CODES,
  SEVERITIES,
  TEMPERATURE_SOURCES,
  WEATHER_ALERT_KINDS,
  WINDOW_SIZES,
} from './event-types.ts';
export type { RegisteredSubjectVersion, SchemaRegistryReader } from './registry-client.ts';
export { createRegistryClient, createRegistryReader, valueSubject } from './registry-client.ts';
export { LOGICAL_TYPES, TimestampMillisType } from './timestamp-millis.ts';
export type { TopicKey, TopicNames, TopicSpec } from './topic-catalog.ts';
export { TOPICS, topicNames } from './topic-catalog.ts';
export { zoneWallClock } from './zone-wall-clock.ts';
