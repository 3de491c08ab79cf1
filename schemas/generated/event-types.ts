// Generated from schemas/avro by schemas/codegen/generate-event-types.ts; do not edit.
// Regenerate with `npm run schemas:generate`; `npm run schemas:check-types` fails when this file is stale.
//
// Mapping: records are interfaces with readonly fields, enums a const array of their symbols plus a
// string-literal union, timestamp-millis is Date (the project's LOGICAL_TYPES), long is number
// (epoch milliseconds and offsets stay below 2^53), bytes is Buffer, ["null", T] is T | null.
// A field with an Avro default is optional: producers may omit it and avsc writes the default, so
// fields added later for compatibility do not break existing producers. Decoded events always carry it.

/** The symbols of {@link MeterKind}, in schema order (for zod enums and exhaustive checks). */
export const METER_KINDS = [
  'electricity',
  'chilled_water',
  'steam',
  'hot_water',
  'gas',
  'water',
  'irrigation',
  'solar',
] as const;
/** What the meter measures (the BDG2 meter types). */
export type MeterKind = (typeof METER_KINDS)[number];

/** The symbols of {@link ReadingUnit}, in schema order (for zod enums and exhaustive checks). */
export const READING_UNITS = ['kWh', 'kBTU', 'MJ', 'therm', 'ton_h', 'm3', 'L', 'gal'] as const;
/** Unit of a reading value. */
export type ReadingUnit = (typeof READING_UNITS)[number];

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) of the operation that produced the event, so
 * consumers continue the same trace.
 */
export interface TraceContext {
  /**
   * W3C traceparent header value: version-traceId-parentId-flags, e.g.
   * '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'.
   */
  readonly traceparent: string;
  /** W3C tracestate header value (vendor-specific trace data), when present. */
  readonly tracestate?: string | null;
}

/** A reading outside the range its baseline expects. Keyed by meterId on the anomalies topic. */
export interface AnomalyDetected {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the anomaly was detected (UTC); readingAt is when the reading was taken. */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'anomaly-detector'. */
  readonly source: string;
  /** Building the meter belongs to. */
  readonly buildingId: string;
  /** Meter whose reading is anomalous; the topic key. */
  readonly meterId: string;
  /** Kind of the meter. */
  readonly meterKind: MeterKind;
  /** Unit of observedValue, expectedLow and expectedHigh. */
  readonly unit: ReadingUnit;
  /** Event time of the anomalous reading (UTC). */
  readonly readingAt: Date;
  /** Value of the reading, in unit. */
  readonly observedValue: number;
  /** Lower bound of the expected range, in unit. */
  readonly expectedLow: number;
  /** Upper bound of the expected range, in unit. */
  readonly expectedHigh: number;
  /**
   * How anomalous the reading is under method, e.g. robust z-score (distance from the median in MADs); higher
   * is more anomalous.
   */
  readonly score: number;
  /** Detection method and baseline, e.g. 'median-mad-hour-of-week'. */
  readonly method: string;
  /** Number of past readings the baseline was computed from; small counts mean a weak baseline. */
  readonly baselineSamples: number;
  /** Trace context of the operation that produced the detection; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link AuditOutcome}, in schema order (for zod enums and exhaustive checks). */
export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
/**
 * Result of an audited action: success, failure (attempted and failed), denied (not allowed, not attempted).
 */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/**
 * Who did what to what, and whether it was allowed: MCP tool calls, replays, dead-letter redrives. Keyed by
 * actor on the audit-log topic.
 */
export interface AuditRecord {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the action happened (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'mcp-adapter', 'eaio-cli'. */
  readonly source: string;
  /** Agent or user id that acted, e.g. 'agent:energy-optimizer', 'user:alice'; the topic key. */
  readonly actor: string;
  /** What was done, e.g. 'mcp.tool.call', 'replay', 'dlq.redrive'. */
  readonly action: string;
  /** What it was done to, e.g. a tool name, a topic, a building or point id. */
  readonly target: string;
  /** Result of the action. */
  readonly outcome: AuditOutcome;
  /** Action-specific details, e.g. tool arguments or the offsets replayed; never secrets. */
  readonly details: Readonly<Record<string, string>>;
  /** Trace context of the operation that produced the action; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * A building registered or updated: the full current description of the building, not a delta. Keyed by
 * buildingId on the compacted buildings topic: the latest event per building is its current description.
 */
export interface BuildingRegistered {
  /** Unique id of this event. */
  readonly eventId: string;
  /** When the description became true (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'bdg1-importer'. */
  readonly source: string;
  /** Stable building id; the topic key. */
  readonly buildingId: string;
  /** Site or campus the building belongs to, when known. */
  readonly siteId?: string | null;
  /** Primary space use, e.g. 'Office', 'College Classroom'. */
  readonly primaryUse: string;
  /** Gross floor area in square metres, when known. */
  readonly floorAreaM2?: number | null;
  /** IANA time zone of the building, e.g. 'America/New_York'. */
  readonly timezone: string;
  /** Year of construction, when known. */
  readonly yearBuilt?: number | null;
  /** Weather station whose observations apply to the building, when known. */
  readonly weatherStationId?: string | null;
  /**
   * Tenant (owner or portfolio) the building belongs to; agents of one tenant see only its buildings. Null:
   * the default tenant.
   */
  readonly tenantId?: string | null;
  /** Trace context of the operation that produced the description; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link CommandAction}, in schema order (for zod enums and exhaustive checks). */
export const COMMAND_ACTIONS = ['approve', 'refuse', 'cancel', 'heartbeat'] as const;
/** What was done to the command. */
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

/**
 * A principal's action on a command after it was proposed: an approver's approval or refusal, a cancel by the
 * proposer or an approver, or the proposer's heartbeat. Keyed by buildingId/pointId on the control-actions
 * topic, beside the command's other events.
 */
export interface ControlCommandAction {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the action was taken (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'mcp-adapter', 'eaio-cli'. */
  readonly source: string;
  /** Command the action is about. */
  readonly commandId: string;
  /** Building the point belongs to. */
  readonly buildingId: string;
  /** Control point the command writes. */
  readonly pointId: string;
  /** What was done. */
  readonly action: CommandAction;
  /** Principal who acted, e.g. 'user:bob'; an approval by the command's own proposer does not count. */
  readonly actor: string;
  /** Why, in words, for the audit trail; null when none was given. */
  readonly reason?: string | null;
  /** Trace context of the operation that produced the outcome; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link ControlUnit}, in schema order (for zod enums and exhaustive checks). */
export const CONTROL_UNITS = ['degC', 'percent', 'rpm', 'boolean', 'minutes'] as const;
/**
 * Unit of a control point value: degC for temperatures, percent for levels and positions, rpm for fan speeds,
 * boolean (0 or 1) for on/off points, minutes for schedule offsets.
 */
export type ControlUnit = (typeof CONTROL_UNITS)[number];

/**
 * A recurring window in the building's local time during which the command applies (e.g. occupied hours):
 * written at each window start, relinquished at each window end, until the command expires.
 */
export interface ControlSchedule {
  /** IANA time zone the window is read in, e.g. 'Europe/London'. */
  readonly timeZone: string;
  /** ISO days the window opens on, 1 (Monday) to 7 (Sunday); at least one. */
  readonly daysOfWeek: readonly number[];
  /** Local time the window opens, 'HH:MM' (24-hour). */
  readonly start: string;
  /** Local time the window closes, 'HH:MM', after start (windows do not cross midnight). */
  readonly end: string;
}

/**
 * A request to write a value to a control point, by an agent or a user. Not yet an action: the control
 * decision accepts or rejects it against the point limits. Keyed by buildingId/pointId on the
 * control-commands topic, so commands for one point stay ordered.
 */
export interface ControlCommandRequested {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the command was requested (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'mcp-adapter', 'operator-ui'. */
  readonly source: string;
  /** Id of the command, shared by its request, decision and outcome events. */
  readonly commandId: string;
  /** Building the point belongs to. */
  readonly buildingId: string;
  /** Control point to write. */
  readonly pointId: string;
  /** Value to write, in unit. */
  readonly value: number;
  /** Unit of value; must be the unit of the point. */
  readonly unit: ControlUnit;
  /**
   * BACnet command priority, 1 (highest, manual life safety) to 16 (lowest); the device applies the
   * highest-priority active command.
   */
  readonly priority: number;
  /**
   * When the command lapses and its priority slot is relinquished (UTC). Commands must expire: a command
   * without a future expiry is rejected, so nothing an agent writes stays forever.
   */
  readonly expiresAt: Date;
  /**
   * Agent or user id on whose behalf the command is requested, e.g. 'agent:energy-optimizer', 'user:alice'.
   */
  readonly requestedBy: string;
  /** Why the command is requested, in words, for the audit trail; null when none was given. */
  readonly reason?: string | null;
  /** Recurring window the command applies in; null when it applies from acceptance to expiry. */
  readonly schedule?: ControlSchedule | null;
  /**
   * When set, the proposer promises a heartbeat action at least this often; the gateway relinquishes the
   * command when none arrived for twice this long. Null for no heartbeat.
   */
  readonly heartbeatSeconds?: number | null;
  /** Trace context of the operation that produced the request; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link ControlVerdict}, in schema order (for zod enums and exhaustive checks). */
export const CONTROL_VERDICTS = ['accepted', 'rejected'] as const;
/** Whether a command may go to the device. */
export type ControlVerdict = (typeof CONTROL_VERDICTS)[number];

/** The symbols of {@link ReasonCode}, in schema order (for zod enums and exhaustive checks). */
export const REASON_CODES = [
  'below_min',
  'above_max',
  'slew_limit',
  'setpoint_deadband',
  'occupancy_interlock',
  'schedule_interlock',
  'expiry_missing',
  'expiry_in_past',
  'priority_conflict',
  'unknown_point',
  'stale_value',
  'schedule_invalid',
] as const;
/** Machine-readable reason for a control decision. */
export type ReasonCode = (typeof REASON_CODES)[number];

/** One reason for a decision. */
export interface DecisionReason {
  /** What rule the reason is about. */
  readonly code: ReasonCode;
  /** The reason in words, with the values involved. */
  readonly message: string;
}

/**
 * The verdict on a requested command: accepted, to be sent to the device, or rejected with the reasons. Keyed
 * by buildingId/pointId on the control-decisions topic.
 */
export interface ControlDecision {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the decision was made (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'control-guard'. */
  readonly source: string;
  /** Command the decision is about. */
  readonly commandId: string;
  /** Building the point belongs to. */
  readonly buildingId: string;
  /** Control point the command writes. */
  readonly pointId: string;
  /** Accepted or rejected. */
  readonly decision: ControlVerdict;
  /** Why the command was rejected (or notes on an accepted one); empty when there is nothing to say. */
  readonly reasons?: readonly DecisionReason[];
  /** Trace context of the operation that produced the decision; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link CommandOutcome}, in schema order (for zod enums and exhaustive checks). */
export const COMMAND_OUTCOMES = ['acknowledged', 'failed', 'relinquished', 'expired', 'refused'] as const;
/**
 * Result of a command at the device: acknowledged (written and read back), failed (the device refused or did
 * not answer), relinquished (released: on expiry, cancel, heartbeat loss or a schedule window's end), expired
 * (never written: approval timed out or expiry came first), refused (the gateway would not write it
 * unchecked: stale reading, device down).
 */
export type CommandOutcome = (typeof COMMAND_OUTCOMES)[number];

/** The symbols of {@link OutcomeCause}, in schema order (for zod enums and exhaustive checks). */
export const OUTCOME_CAUSES = [
  'expiry',
  'cancelled',
  'heartbeat_lost',
  'schedule_window_end',
  'approval_timeout',
  'approval_refused',
  'stale_value',
  'gateway_unavailable',
  'device_error',
] as const;
/** Why a command was relinquished, expired or refused. */
export type OutcomeCause = (typeof OUTCOME_CAUSES)[number];

/**
 * What became of an accepted command at the device. Keyed by buildingId/pointId on the control-outcomes
 * topic.
 */
export interface ControlOutcome {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the device answered or the command was relinquished (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'bacnet-gw:site-3'. */
  readonly source: string;
  /** Command the outcome is about. */
  readonly commandId: string;
  /** Building the point belongs to. */
  readonly buildingId: string;
  /** Control point the command wrote. */
  readonly pointId: string;
  /** What happened. */
  readonly outcome: CommandOutcome;
  /** What the device or gateway said, e.g. a BACnet error class and code; null when it said nothing. */
  readonly deviceMessage?: string | null;
  /** Value written (acknowledged, failed); null for other outcomes. */
  readonly value?: number | null;
  /** Priority written or relinquished, 1-16; null when nothing was written. */
  readonly priority?: number | null;
  /**
   * Present value read back after the write or the relinquish: after a relinquish, the value the point
   * returned to; null when it could not be read.
   */
  readonly readBack?: number | null;
  /** Why the command was relinquished, expired or refused; null for acknowledged. */
  readonly cause?: OutcomeCause | null;
  /** Trace context of the operation that produced the outcome; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link ControlPointKind}, in schema order (for zod enums and exhaustive checks). */
export const CONTROL_POINT_KINDS = [
  'zone_air_temperature_setpoint',
  'heating_setpoint',
  'cooling_setpoint',
  'lighting_level',
  'schedule',
  'fan_speed',
  'damper_position',
  'supply_air_temperature_setpoint',
] as const;
/** What a control point sets. */
export type ControlPointKind = (typeof CONTROL_POINT_KINDS)[number];

/**
 * A writable control point registered or updated: the full current description of the point and the limits
 * every command to it is checked against. Keyed by pointId on the compacted control-points topic: the latest
 * event per point is its current description.
 */
export interface ControlPointRegistered {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the description became true (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'bacnet-gw:site-3'. */
  readonly source: string;
  /** Stable control point id, unique across buildings; the topic key. */
  readonly pointId: string;
  /** Building the point belongs to. */
  readonly buildingId: string;
  /**
   * What the point sets. A lighting_level point with unit boolean is an on/off switch (0 or 1); with unit
   * percent it is a dimming level.
   */
  readonly pointKind: ControlPointKind;
  /** Unit of the point value, minValue, maxValue and maxChangePerMinute. */
  readonly unit: ControlUnit;
  /** Lowest value a command may write, in unit; lower commands are rejected (below_min). */
  readonly minValue: number;
  /** Highest value a command may write, in unit; higher commands are rejected (above_max). */
  readonly maxValue: number;
  /** Slew limit: largest change per minute from the current value, in unit; null when the point has none. */
  readonly maxChangePerMinute?: number | null;
  /** Brick Schema class of the point, e.g. 'Zone_Air_Temperature_Setpoint', when mapped. */
  readonly brickClass?: string | null;
  /**
   * Zone the point serves. A heating_setpoint and a cooling_setpoint of one zone are kept apart by the dead
   * band (ASHRAE Guideline 36); null when the point serves no zone.
   */
  readonly zoneId?: string | null;
  /** Whether an accepted command waits for a second principal with the approver role before it is written. */
  readonly requiresApproval?: boolean;
  /**
   * How long an accepted command waits for approval before it expires unwritten; null for the gateway's
   * default.
   */
  readonly approvalTimeoutSeconds?: number | null;
  /**
   * Gateway that reads and writes the point, e.g. 'modbus-gw:plant-1'; null when no gateway serves it
   * (commands are decided but never written).
   */
  readonly gatewayId?: string | null;
  /** Trace context of the operation that produced the description; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link DataQualityIssueKind}, in schema order (for zod enums and exhaustive checks). */
export const DATA_QUALITY_ISSUE_KINDS = [
  'out_of_range',
  'duplicate',
  'out_of_order',
  'future_timestamp',
  'gap',
  'spike',
  'stuck_value',
  'unit_mismatch',
] as const;
/** Kind of data quality problem. */
export type DataQualityIssueKind = (typeof DATA_QUALITY_ISSUE_KINDS)[number];

/** The symbols of {@link Severity}, in schema order (for zod enums and exhaustive checks). */
export const SEVERITIES = ['info', 'warning', 'error'] as const;
/** How much an issue matters: info (noted), warning (data kept but doubtful), error (data unusable). */
export type Severity = (typeof SEVERITIES)[number];

/**
 * A data quality problem found in the readings of a meter. Keyed by meterId on the data-quality-issues topic.
 */
export interface DataQualityIssue {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the issue was found (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'readings-validation'. */
  readonly source: string;
  /** Building the meter belongs to. */
  readonly buildingId: string;
  /** Meter whose readings have the issue; the topic key. */
  readonly meterId: string;
  /** What is wrong. */
  readonly issueKind: DataQualityIssueKind;
  /** Event time of the reading at fault (UTC); null when the issue is not about one reading, e.g. a gap. */
  readonly readingAt?: Date | null;
  /**
   * What the issue was found from, e.g. {'value': '-42', 'max': '1000000'} or {'gapFrom': '...', 'gapTo':
   * '...'}.
   */
  readonly evidence: Readonly<Record<string, string>>;
  /** How much the issue matters. */
  readonly severity: Severity;
  /** Trace context of the operation that produced the finding; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * A dead letter as a record, for tooling that indexes dead letters (eaio dlq). No topic carries it as value:
 * dead-letter topics keep the original bytes, with these fields as headers (stream-runtime/dead-letters.ts,
 * DEAD_LETTER_HEADERS): errorClass = 'eaio.dlq.error.class', errorCode = 'eaio.dlq.error.code', errorMessage
 * = 'eaio.dlq.error.message', stage = 'eaio.dlq.stage', sourceTopic = 'eaio.dlq.source.topic',
 * sourcePartition = 'eaio.dlq.source.partition', sourceOffset = 'eaio.dlq.source.offset', firstFailedAt =
 * 'eaio.dlq.failed.first', lastFailedAt = 'eaio.dlq.failed.last', attempts = 'eaio.dlq.attempts', consumer =
 * 'eaio.dlq.consumer'; originalKey and originalValue are the dead letter's key and value.
 */
export interface DeadLetterEnvelope {
  /** Unique id of this index entry. */
  readonly eventId: string;
  /** When the dead letter was indexed (UTC). */
  readonly occurredAt: Date;
  /** Tool that indexed the dead letter, e.g. 'eaio-dlq'. */
  readonly source: string;
  /** Header eaio.dlq.error.class: class of the error, e.g. 'ReadingRejectedError'. */
  readonly errorClass: string;
  /** Header eaio.dlq.error.code: error code, e.g. 'EVENT_OUT_OF_RANGE', 'UNCLASSIFIED'. */
  readonly errorCode: string;
  /** Header eaio.dlq.error.message: error message. */
  readonly errorMessage: string;
  /** Header eaio.dlq.stage: stage that gave up on the event, e.g. 'decode', 'validate'. */
  readonly stage: string;
  /** Header eaio.dlq.source.topic: topic the event was read from. */
  readonly sourceTopic: string;
  /** Header eaio.dlq.source.partition: partition the event was read from. */
  readonly sourcePartition: number;
  /** Header eaio.dlq.source.offset: offset of the event in its partition. */
  readonly sourceOffset: number;
  /** Header eaio.dlq.failed.first: when the event first failed (UTC). */
  readonly firstFailedAt: Date;
  /** Header eaio.dlq.failed.last: when the event last failed (UTC). */
  readonly lastFailedAt: Date;
  /** Header eaio.dlq.attempts: how many times handling the event was attempted. */
  readonly attempts: number;
  /** Key of the original message, untouched; null when it had none. */
  readonly originalKey?: Buffer | null;
  /** Value of the original message, untouched; null for a tombstone. */
  readonly originalValue?: Buffer | null;
  /**
   * Header eaio.dlq.consumer: the consumer that gave up on the event, 'projector' or 'processor:<name>'. Each
   * consumer of a topic writes its own letter for a record it refuses, so one record can have several
   * letters, one per consumer. Null for letters written before letters named their consumer (added with a
   * default, so envelopes written without it still read).
   */
  readonly consumer?: string | null;
  /**
   * Trace context of the original message (from its traceparent and tracestate headers); null when it was not
   * traced.
   */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link ForecastModelKind}, in schema order (for zod enums and exhaustive checks). */
export const FORECAST_MODEL_KINDS = ['towt', 'seasonal_naive'] as const;
/**
 * Family of a forecast model: 'towt' is the time-of-week-and-temperature regression (hour-of-week indicators
 * plus piecewise-linear temperature terms), 'seasonal_naive' the value of the same hour one week earlier.
 */
export type ForecastModelKind = (typeof FORECAST_MODEL_KINDS)[number];

/** The symbols of {@link ForecastHorizon}, in schema order (for zod enums and exhaustive checks). */
export const FORECAST_HORIZONS = ['day_ahead', 'week_ahead'] as const;
/** How far ahead a forecast reaches: the next local day, or the next seven local days. */
export type ForecastHorizon = (typeof FORECAST_HORIZONS)[number];

/** The symbols of {@link TemperatureSource}, in schema order (for zod enums and exhaustive checks). */
export const TEMPERATURE_SOURCES = ['forecast', 'observed', 'climatology'] as const;
/**
 * Where a forecast hour's temperature came from: the station's weather forecast, an observation already made,
 * or the climatology (mean of the same hour of day over the days before the issue).
 */
export type TemperatureSource = (typeof TEMPERATURE_SOURCES)[number];

/** One forecast hour. */
export interface ForecastHour {
  /** Start of the UTC hour. */
  readonly hourStart: Date;
  /** Forecast consumption of the hour, in unit. */
  readonly value: number;
  /** Outdoor temperature the value was computed with; null for seasonal_naive. */
  readonly temperatureC?: number | null;
  /** Where temperatureC came from; null for seasonal_naive. */
  readonly temperatureSource?: TemperatureSource | null;
}

/**
 * One model's hourly forecast of one meter, issued at one time for a day or a week ahead. Keyed by meterId on
 * the forecasts topic. One event per issue rather than per hour: an issue is one act of one model with one
 * set of temperatures, readers never see half of it, and a week is 168 small values.
 */
export interface ForecastIssued {
  /**
   * Derived from modelId, horizon and issuedAt (UUID v5), so a re-run produces a duplicate the read models
   * ignore.
   */
  readonly eventId: string;
  /** When the forecast was issued, equal to issuedAt (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'model-forecaster'. */
  readonly source: string;
  /** Model that produced the values (a ModelTrained's modelId). */
  readonly modelId: string;
  /** Family of the model. */
  readonly modelKind: ForecastModelKind;
  /** Version of the model, e.g. 'towt-v1'. */
  readonly version: string;
  /** Meter forecast; the topic key. */
  readonly meterId: string;
  /** Building the meter belongs to. */
  readonly buildingId: string;
  /** Kind of the meter. */
  readonly meterKind: MeterKind;
  /** Unit of the forecast values (hourly consumption). */
  readonly unit: ReadingUnit;
  /** The as-of of the forecast: only data before it was used (UTC, on the hour). */
  readonly issuedAt: Date;
  /** Day-ahead (the building's next local day) or week-ahead (the next seven local days). */
  readonly horizon: ForecastHorizon;
  /** Weather station whose temperatures were used; null when none was needed or available. */
  readonly stationId?: string | null;
  /**
   * The forecast hours in time order; hours a model cannot forecast (no value a week earlier, no temperature)
   * are left out.
   */
  readonly hours: readonly ForecastHour[];
  /** Trace context of the operation that produced the forecast; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * How far an import of one source file has got, written in the same Kafka transaction as the events of the
 * rows it counts. Keyed by sourceId on the compacted import-checkpoints topic: the latest checkpoint per file
 * says which of its rows are already in the log, so a second import of the same file produces nothing and a
 * file that grew produces only its new rows.
 */
export interface ImportCheckpoint {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the checkpoint was written (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'eaio-import'. */
  readonly source: string;
  /**
   * Identity of the source file: the importer kind and a hash of its header and first data line, so an
   * appended file keeps its identity; the topic key.
   */
  readonly sourceId: string;
  /** Which importer read the file, e.g. 'readings-wide', 'weather-bdg1', 'buildings-bdg2'. */
  readonly importer: string;
  /** Base name of the file as given, for people reading the checkpoint. */
  readonly fileName: string;
  /** Length of the file prefix whose rows are all accounted for (ends after a complete line). */
  readonly bytesConsumed: number;
  /**
   * Hex SHA-256 of those bytesConsumed bytes: a later import resumes after them only when the file still
   * starts with them.
   */
  readonly prefixSha256: string;
  /** Physical lines in the prefix, header included, so line numbers continue across imports. */
  readonly linesConsumed: number;
  /** Accounted units (rows, or values of a wide file) read from the prefix over every import of it. */
  readonly read: number;
  /** Of read, those produced unchanged. */
  readonly produced: number;
  /** Of read, those a cleaning rule changed or removed. */
  readonly cleaned: number;
  /** Of read, those sent to a dead-letter topic with their text, line and reason. */
  readonly deadLettered: number;
  /** Of read, those skipped as already imported. */
  readonly duplicates: number;
  /**
   * Length of an unfinished last line (no line end) that follows bytesConsumed and ends the file, as this
   * import read it; 0 when the file ended with a line end. Not covered by the counts above: a writer may
   * still be finishing the line.
   */
  readonly tailBytes?: number;
  /**
   * Hex SHA-256 of those tailBytes bytes, so an import of the unchanged file counts that line as a duplicate
   * instead of producing it again; empty when tailBytes is 0.
   */
  readonly tailSha256?: string;
  /** Accounted units read from that unfinished line (0 when there is none). */
  readonly tailUnits?: number;
  /** True when the import read the file to its end; false for the checkpoints written while it runs. */
  readonly complete?: boolean;
  /** Trace context of the operation that produced the observation; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * A meter registered or updated: the full current description of the meter. Keyed by meterId on the compacted
 * meters topic: the latest event per meter is its current description.
 */
export interface MeterRegistered {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the description became true (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'bdg1-importer', 'demo-feed'. */
  readonly source: string;
  /** Stable meter id, unique across buildings; the topic key and the meterId of its readings. */
  readonly meterId: string;
  /** Building the meter belongs to. */
  readonly buildingId: string;
  /** What the meter measures. */
  readonly meterKind: MeterKind;
  /** Unit the meter reports its readings in. */
  readonly unit: ReadingUnit;
  /** Brick Schema class of the meter's point, e.g. 'Electrical_Energy_Sensor', when mapped. */
  readonly brickClass?: string | null;
  /** Trace context of the operation that produced the description; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link PromotionScope}, in schema order (for zod enums and exhaustive checks). */
export const PROMOTION_SCOPES = ['meter', 'building', 'all'] as const;
/** What a promotion applies to. */
export type PromotionScope = (typeof PROMOTION_SCOPES)[number];

/**
 * An administrator's choice of the model version answers use by default, for one meter, one building's meters
 * or every meter; the most specific promotion wins. Keyed by scope and scopeId on the model-promotions topic;
 * an audited admin action (promote_model, eaio models promote).
 */
export interface ModelPromoted {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the version was promoted (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'mcp-adapter' or 'eaio-cli'. */
  readonly source: string;
  /** Whether the promotion is for one meter, one building's meters or every meter. */
  readonly scope: PromotionScope;
  /** The meterId, the buildingId, or '*' for all; with scope, the topic key. */
  readonly scopeId: string;
  /** Building of the meter or the building promoted for; null for all. */
  readonly buildingId?: string | null;
  /** The version answers now use, e.g. 'towt-v2'. */
  readonly version: string;
  /** Principal who promoted it (the MCP caller's subject or the CLI user). */
  readonly promotedBy: string;
  /** Why, in the administrator's words, e.g. 'lower CV(RMSE) over 14 days (n=1344)'. */
  readonly reason: string;
  /** Trace context of the operation that produced the promotion; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * A forecast model fitted for one meter on a training window and scored out of sample on the held-back window
 * after it. Keyed by meterId on the models topic. A pure function of the read models it was fitted on:
 * re-training the same window yields the same modelId, coefficients, content hash and eventId.
 */
export interface ModelTrained {
  /**
   * Derived from modelId (UUID v5), so re-training the same window produces a duplicate the read models
   * ignore.
   */
  readonly eventId: string;
  /**
   * Event time of the training: the end of the held-back window (the as-of the trainer ran for), never the
   * wall clock, so a re-run yields the same event (UTC).
   */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'model-trainer'. */
  readonly source: string;
  /**
   * Deterministic id of the model: version, meter and training window, e.g.
   * 'towt-v1:m-1:2026-01-01T00:00:00.000Z:2026-02-26T00:00:00.000Z'.
   */
  readonly modelId: string;
  /** Meter the model forecasts; the topic key. */
  readonly meterId: string;
  /** Building the meter belongs to. */
  readonly buildingId: string;
  /** Kind of the meter. */
  readonly meterKind: MeterKind;
  /** Unit of the consumption the model forecasts (hourly sums). */
  readonly unit: ReadingUnit;
  /** Family of the model. */
  readonly modelKind: ForecastModelKind;
  /**
   * Configuration of the kind, e.g. 'towt-v1' (default knots, 8 weeks of training) or 'towt-v2'; versions run
   * side by side on the same meters and one is promoted for answers.
   */
  readonly version: string;
  /** Start of the training window (UTC, inclusive). */
  readonly trainingFrom: Date;
  /** End of the training window (UTC, exclusive); the held-back window starts here. */
  readonly trainingTo: Date;
  /** Start of the held-back window the scores are computed on (UTC, inclusive). */
  readonly heldBackFrom: Date;
  /** End of the held-back window (UTC, exclusive). */
  readonly heldBackTo: Date;
  /**
   * Names of the model's features in coefficient order, e.g. 'how_0'..'how_167', 'temp_lt_12.8'; empty for
   * seasonal_naive.
   */
  readonly features: readonly string[];
  /**
   * Fitted coefficients in feature order (hour-of-week levels, then temperature slopes); empty for
   * seasonal_naive.
   */
  readonly coefficients: readonly number[];
  /** Temperature knots of the piecewise-linear terms in degrees Celsius; empty for seasonal_naive. */
  readonly knotsC: readonly number[];
  /** IANA time zone of the building: hour of week is local time. */
  readonly timeZone: string;
  /** Weather station whose hourly temperatures the model was fitted on; null for seasonal_naive. */
  readonly stationId?: string | null;
  /** SHA-256 (hex) of the model's canonical JSON: equal hashes, equal models. */
  readonly contentHash: string;
  /** Hours fitted (hours of the training window with both consumption and a temperature). */
  readonly trainingSamples: number;
  /** Held-back hours scored (hours with consumption, and a temperature for towt). */
  readonly heldBackN: number;
  /** Mean actual hourly consumption over the scored hours, in unit. */
  readonly heldBackMeanActual: number;
  /**
   * ASHRAE Guideline 14 CV(RMSE) of the predictions on the held-back window, out of sample, a fraction (0.25
   * = 25 %); NaN when the mean actual is 0.
   */
  readonly heldBackCvRmse: number;
  /**
   * Guideline 14 NMBE on the held-back window, a fraction; positive when the model under-predicts; NaN when
   * the mean actual is 0.
   */
  readonly heldBackNmbe: number;
  /** Coefficient of determination of the held-back predictions; NaN when the actuals do not vary. */
  readonly heldBackR2: number;
  /** Trace context of the operation that produced the model; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link OperationOutcome}, in schema order (for zod enums and exhaustive checks). */
export const OPERATION_OUTCOMES = ['ok', 'error'] as const;
/** Result of an operation: ok, or error (it failed or answered with an error). */
export type OperationOutcome = (typeof OPERATION_OUTCOMES)[number];

/**
 * One unit of the platform's own work, for its telemetry: an MCP tool call, a processor batch. Keyed by
 * component on the telemetry topic. Recorded fire-and-forget beside the work it describes, so a missing
 * record never means the work did not happen.
 */
export interface OperationRecorded {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the operation finished (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'eaio.mcp-adapter', 'eaio.processors.runtime'. */
  readonly source: string;
  /** Which part of the platform did the work, e.g. 'mcp', 'processor:reading-aggregates'; the topic key. */
  readonly component: string;
  /** Agent or user on whose behalf the work was done (e.g. an MCP client), when known. */
  readonly actor?: string | null;
  /**
   * What was done, as kind:name, e.g. 'mcp.tool:get_latest_readings', 'processor.batch:reading-aggregates'.
   */
  readonly operation: string;
  /** Wall-clock duration of the operation in milliseconds. */
  readonly durationMs: number;
  /** Result of the operation. */
  readonly outcome: OperationOutcome;
  /** Error code when the outcome is error, e.g. 'NOT_FOUND', 'SINK_UNAVAILABLE'; null when ok. */
  readonly errorCode?: string | null;
  /**
   * Operation-specific figures, e.g. the topic, partition and message counts of a batch; never secrets or
   * tool arguments.
   */
  readonly details: Readonly<Record<string, string>>;
  /** Trace context of the operation recorded; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * The present value of a device point (a setpoint, a zone temperature, a lighting level) as a gateway read
 * it. Keyed by pointId on the point-values topic. The control-safety processor takes it as the baseline of
 * slew limits and refuses commands to a point whose last value is stale.
 */
export interface PointValueObserved {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the value was read (UTC). */
  readonly occurredAt: Date;
  /** Gateway that read it, e.g. 'modbus-gw:plant-1'. */
  readonly source: string;
  /** Building the point belongs to. */
  readonly buildingId: string;
  /** Point read; a control point's id when the point is writable. */
  readonly pointId: string;
  /** Present value, in unit. */
  readonly value: number;
  /** Unit of value. */
  readonly unit: ControlUnit;
  /** Trace context of the operation that produced the outcome; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link WindowSize}, in schema order (for zod enums and exhaustive checks). */
export const WINDOW_SIZES = ['PT15M', 'PT1H', 'P1D'] as const;
/** Length of an aggregation window, as an ISO 8601 duration: 15 minutes, 1 hour, 1 day. */
export type WindowSize = (typeof WINDOW_SIZES)[number];

/**
 * Sum, mean, min and max of the readings of a meter, or of all meters of one kind in a building, over one
 * event-time window. Re-emitted with a higher revision when late readings change the window. Keyed by meterId
 * (buildingId for building-level aggregates) on the reading-aggregates topic.
 */
export interface ReadingAggregate {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** The window end (UTC): event time of the aggregate, so a replay emits identical events. */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'eaio.processors.windows'. */
  readonly source: string;
  /** Building the readings belong to. */
  readonly buildingId: string;
  /** Meter the readings come from; null for a building-level aggregate over all meters of meterKind. */
  readonly meterId?: string | null;
  /** Kind of the meter(s) aggregated. */
  readonly meterKind: MeterKind;
  /** Unit of sum, mean, min and max. */
  readonly unit: ReadingUnit;
  /** Length of the window. */
  readonly windowSize: WindowSize;
  /** Start of the window (UTC, inclusive). */
  readonly windowStart: Date;
  /** End of the window (UTC, exclusive). */
  readonly windowEnd: Date;
  /** Sum of the reading values in the window. */
  readonly sum: number;
  /** Mean of the reading values in the window. */
  readonly mean: number;
  /** Smallest reading value in the window. */
  readonly min: number;
  /** Largest reading value in the window. */
  readonly max: number;
  /** Number of readings in the window. */
  readonly count: number;
  /**
   * Revision of the window: 0 for the first full statement, incremented each time late readings correct it;
   * keep the highest. -1 marks a delta carrying only late readings that arrived after the window state was
   * evicted: add it to the stored window (sum and count added, min and max combined, mean recomputed).
   */
  readonly revision: number;
  /**
   * True when the window was already final (past its allowed lateness) when the readings that changed it
   * arrived; false for on-time and within-lateness emissions.
   */
  readonly isCorrection: boolean;
  /** Trace context of the operation that produced the aggregate; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link QualityFlag}, in schema order (for zod enums and exhaustive checks). */
export const QUALITY_FLAGS = [
  'estimated',
  'interpolated',
  'suspect',
  'out_of_range',
  'duplicate',
  'out_of_order',
  'future_timestamp',
  'stuck',
  'spike',
  'gap_filled',
] as const;
/**
 * A data quality finding about a reading: how it was produced (estimated, interpolated, gap_filled) or why it
 * is doubtful.
 */
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/**
 * One numeric reading of a building meter at an event time. Keyed by meterId on the sensor-readings topic, so
 * readings of one meter stay in order.
 */
export interface SensorReading {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** Event time: when the meter measured the value (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'bacnet-gw:site-3', 'bdg1-importer', 'demo-feed'. */
  readonly source: string;
  /** Building the meter belongs to (e.g. BDG ids such as 'Office_Ellie'). */
  readonly buildingId: string;
  /** Stable meter id, unique across buildings; the topic key. */
  readonly meterId: string;
  /** Kind of meter. */
  readonly meterKind: MeterKind;
  /** Measured quantity over the interval ending at occurredAt, in unit. */
  readonly value: number;
  /** Unit of value. */
  readonly unit: ReadingUnit;
  /**
   * Quality findings about the reading, set by the source or by validation; empty for a plain measured value.
   * Added after v1 with a default, so older readings decode with [].
   */
  readonly qualityFlags?: readonly QualityFlag[];
  /** Trace context of the operation that produced the reading; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** The symbols of {@link WeatherAlertKind}, in schema order (for zod enums and exhaustive checks). */
export const WEATHER_ALERT_KINDS = ['heat', 'cold'] as const;
/** Which threshold was crossed. */
export type WeatherAlertKind = (typeof WEATHER_ALERT_KINDS)[number];

/**
 * A forecast for a building's weather station crosses a configured heat or cold threshold. Keyed by stationId
 * on the weather-alerts topic. Derived from WeatherForecast events, so the same forecast issue always raises
 * the same alert (same eventId).
 */
export interface WeatherAlert {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the forecast that raised the alert was fetched (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'open-meteo-poller'. */
  readonly source: string;
  /** Weather station the forecast is for; the topic key. */
  readonly stationId: string;
  /** Buildings whose weatherStationId is the station, when known to the producer. */
  readonly buildingIds?: readonly string[];
  /**
   * heat: the forecast reaches or exceeds the heat threshold; cold: it reaches or falls below the cold
   * threshold.
   */
  readonly kind: WeatherAlertKind;
  /** The configured threshold in degrees Celsius. */
  readonly thresholdC: number;
  /** The highest (heat) or lowest (cold) forecast temperature in the alert window, degrees Celsius. */
  readonly extremeC: number;
  /** Start of the forecast interval holding the extreme (UTC). */
  readonly extremeAt: Date;
  /** Start of the first forecast interval beyond the threshold (UTC, inclusive). */
  readonly windowFrom: Date;
  /** End of the last contiguous forecast interval beyond the threshold (UTC, exclusive). */
  readonly windowTo: Date;
  /** Issue time of the forecast that raised the alert (UTC). */
  readonly issuedAt: Date;
  /** Forecast provider, e.g. 'open-meteo'. */
  readonly provider: string;
  /** Trace context of the operation that produced the observation; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * A forecast for a weather station over one validity interval, as issued by a provider. Keyed by stationId on
 * the weather-forecasts topic; a later issue for the same interval supersedes an earlier one.
 */
export interface WeatherForecast {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** When the platform fetched the forecast from the provider (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'open-meteo-poller'. */
  readonly source: string;
  /** Weather station the forecast applies to; the topic key. */
  readonly stationId: string;
  /** When the provider issued the forecast (UTC); the newest issue for an interval wins. */
  readonly issuedAt: Date;
  /** Start of the interval the forecast is for (UTC, inclusive). */
  readonly validFrom: Date;
  /** End of the interval the forecast is for (UTC, exclusive). */
  readonly validTo: Date;
  /** Forecast air temperature in degrees Celsius, null when not forecast. */
  readonly temperatureC?: number | null;
  /** Forecast relative humidity in percent (0..100), null when not forecast. */
  readonly relativeHumidityPct?: number | null;
  /** Forecast wind speed in km/h, null when not forecast. */
  readonly windSpeedKmh?: number | null;
  /** Forecast precipitation over the interval in millimetres, null when not forecast. */
  readonly precipitationMm?: number | null;
  /** Forecast provider, e.g. 'open-meteo', 'nws'. */
  readonly provider: string;
  /** Trace context of the operation that produced the forecast; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/**
 * What a weather station measured at one time. Every measurement is nullable because real stations report
 * gaps. Keyed by stationId on the weather-observations topic.
 */
export interface WeatherObservation {
  /** Unique id of this event, stable across producer retries; the idempotency key of every effect. */
  readonly eventId: string;
  /** Observation time: when the station measured (UTC). */
  readonly occurredAt: Date;
  /** Who produced the event, e.g. 'noaa-isd-importer'. */
  readonly source: string;
  /** Weather station id, e.g. an ICAO or WMO id; the topic key and BuildingRegistered.weatherStationId. */
  readonly stationId: string;
  /** Air temperature in degrees Celsius, null when not reported. */
  readonly temperatureC?: number | null;
  /** Dew point in degrees Celsius, null when not reported. */
  readonly dewPointC?: number | null;
  /** Relative humidity in percent (0..100), null when not reported. */
  readonly relativeHumidityPct?: number | null;
  /** Sea-level pressure in hectopascals, null when not reported. */
  readonly pressureHpa?: number | null;
  /** Wind speed in km/h, null when not reported. */
  readonly windSpeedKmh?: number | null;
  /** Direction the wind blows from, degrees clockwise from north (0..360), null when not reported or calm. */
  readonly windDirectionDeg?: number | null;
  /** Precipitation since the previous observation in millimetres, null when not reported. */
  readonly precipitationMm?: number | null;
  /** Free-text conditions as the station reports them, e.g. 'light rain', when reported. */
  readonly conditions?: string | null;
  /** Trace context of the operation that produced the observation; null when it was not traced. */
  readonly traceContext?: TraceContext | null;
}

/** Maps each event type name (the Avro record name of a schemas/avro file) to its TypeScript shape. */
export interface EventTypes {
  readonly AnomalyDetected: AnomalyDetected;
  readonly AuditRecord: AuditRecord;
  readonly BuildingRegistered: BuildingRegistered;
  readonly ControlCommandAction: ControlCommandAction;
  readonly ControlCommandRequested: ControlCommandRequested;
  readonly ControlDecision: ControlDecision;
  readonly ControlOutcome: ControlOutcome;
  readonly ControlPointRegistered: ControlPointRegistered;
  readonly DataQualityIssue: DataQualityIssue;
  readonly DeadLetterEnvelope: DeadLetterEnvelope;
  readonly ForecastIssued: ForecastIssued;
  readonly ImportCheckpoint: ImportCheckpoint;
  readonly MeterRegistered: MeterRegistered;
  readonly ModelPromoted: ModelPromoted;
  readonly ModelTrained: ModelTrained;
  readonly OperationRecorded: OperationRecorded;
  readonly PointValueObserved: PointValueObserved;
  readonly ReadingAggregate: ReadingAggregate;
  readonly SensorReading: SensorReading;
  readonly WeatherAlert: WeatherAlert;
  readonly WeatherForecast: WeatherForecast;
  readonly WeatherObservation: WeatherObservation;
}

/** Every event type name: one per schemas/avro file, in alphabetical order. */
export const EVENT_TYPE_NAMES = [
  'AnomalyDetected',
  'AuditRecord',
  'BuildingRegistered',
  'ControlCommandAction',
  'ControlCommandRequested',
  'ControlDecision',
  'ControlOutcome',
  'ControlPointRegistered',
  'DataQualityIssue',
  'DeadLetterEnvelope',
  'ForecastIssued',
  'ImportCheckpoint',
  'MeterRegistered',
  'ModelPromoted',
  'ModelTrained',
  'OperationRecorded',
  'PointValueObserved',
  'ReadingAggregate',
  'SensorReading',
  'WeatherAlert',
  'WeatherForecast',
  'WeatherObservation',
] as const;
/** Name of an event type, the Avro record name. */
export type EventTypeName = (typeof EVENT_TYPE_NAMES)[number];
