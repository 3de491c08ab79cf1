import type { EventTypeName } from './event-types.ts';

/** One entry of the topic catalog: everything the platform needs to know about a topic. */
export interface TopicSpec {
  /** Name without the deployment's topic prefix. */
  readonly name: string;
  /** Avro record carried as the value. */
  readonly valueType: EventTypeName;
  /** What the message key is, and so what order the topic keeps. */
  readonly key: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly retentionMs: number;
  /** Dead-letter topic (unprefixed) for events of this topic that cannot be handled. */
  readonly deadLetterTopic: string;
  /** What the topic is for and who writes it. */
  readonly doc: string;
}

/**
 * Kafka is the source of truth: log topics keep every event so projections can be rebuilt and
 * decisions replayed. Compacted topics keep the latest event per key forever.
 */
const FOREVER = -1;

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;

/** Every topic of the platform, keyed by the name the code uses for it. */
export const TOPICS = {
  sensorReadings: {
    name: 'sensor-readings',
    valueType: 'SensorReading',
    key: 'meterId: readings of one meter keep their order',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'sensor-readings.dlq',
    doc: 'Meter readings from every source, the main event log.',
  },
  readingsByBuilding: {
    name: 'readings-by-building',
    valueType: 'SensorReading',
    key: 'buildingId: the readings of all meters of one building meet in one partition',
    partitions: 6,
    cleanupPolicy: 'delete',
    // A repartition topic: a copy of sensor-readings, which stays the source of truth, so it need not
    // be kept forever. 30 days is far above the ~8.3 days of event time a building window's state can
    // depend on (1 d window + 1 h out of order + 6 h lateness + 7 d correction horizon), so a state
    // rebuild from the retained tail equals one from the whole log while the log is appended roughly
    // in event time; it bounds what that rebuild reads; and it lets building-aggregates be stopped for
    // weeks without losing input. Older building rollups are rebuilt by re-keying sensor-readings again.
    retentionMs: THIRTY_DAYS_MS,
    deadLetterTopic: 'readings-by-building.dlq',
    doc: 'Sensor readings re-keyed by building (by the readings-by-building processor) for building rollups.',
  },
  buildings: {
    name: 'buildings',
    valueType: 'BuildingRegistered',
    key: 'buildingId: the latest event per building is its description',
    partitions: 3,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    deadLetterTopic: 'buildings.dlq',
    doc: 'Registry of buildings: the latest BuildingRegistered per building is its description.',
  },
  meters: {
    name: 'meters',
    valueType: 'MeterRegistered',
    key: 'meterId: the latest event per meter is its description',
    partitions: 3,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    deadLetterTopic: 'meters.dlq',
    doc: 'Registry of meters: kind, unit and Brick class of the meters whose readings arrive on sensor-readings.',
  },
  controlPoints: {
    name: 'control-points',
    valueType: 'ControlPointRegistered',
    key: 'pointId: the latest event per point is its description and limits',
    partitions: 3,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    deadLetterTopic: 'control-points.dlq',
    doc: 'Registry of writable control points and the limits every command is checked against.',
  },
  weatherObservations: {
    name: 'weather-observations',
    valueType: 'WeatherObservation',
    key: 'stationId: observations of one station keep their order',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'weather-observations.dlq',
    doc: 'Measured weather per station, the driver of weather-normalised baselines.',
  },
  weatherHourly: {
    name: 'weather-hourly',
    valueType: 'WeatherObservation',
    key: 'stationId: the hours of one station keep their order',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'weather-hourly.dlq',
    doc: 'One observation per station and UTC hour (means, summed precipitation), from the weather-hourly processor.',
  },
  weatherForecasts: {
    name: 'weather-forecasts',
    valueType: 'WeatherForecast',
    key: 'stationId: forecasts of one station keep their issue order',
    partitions: 3,
    cleanupPolicy: 'delete',
    // Kept forever although superseded forecasts look disposable: a control decision replayed later must
    // see the forecast the agent saw when it decided, and a few issues a day per station are small.
    retentionMs: FOREVER,
    deadLetterTopic: 'weather-forecasts.dlq',
    doc: 'Forecast weather per station and validity interval, every issue kept.',
  },
  controlCommands: {
    name: 'control-commands',
    valueType: 'ControlCommandRequested',
    key: 'buildingId/pointId: commands for one point stay ordered',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'control-commands.dlq',
    doc: 'Requests to write control points, from agents and users; not actions until accepted.',
  },
  controlDecisions: {
    name: 'control-decisions',
    valueType: 'ControlDecision',
    key: 'buildingId/pointId: decisions for one point stay in command order',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'control-decisions.dlq',
    doc: 'Accepted or rejected, with reasons, for every requested command.',
  },
  controlOutcomes: {
    name: 'control-outcomes',
    valueType: 'ControlOutcome',
    key: 'buildingId/pointId: outcomes for one point stay in command order',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'control-outcomes.dlq',
    doc: 'What the gateway and the device did with accepted commands: acknowledged, failed, relinquished, expired unwritten or refused.',
  },
  controlActions: {
    name: 'control-actions',
    valueType: 'ControlCommandAction',
    key: 'buildingId/pointId: actions on one point stay in the order they were taken',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'control-actions.dlq',
    doc: 'Approvals, refusals, cancels and heartbeats of proposed commands, each naming the principal who acted.',
  },
  pointValues: {
    name: 'point-values',
    valueType: 'PointValueObserved',
    key: 'pointId: the values of one point keep their order',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: THIRTY_DAYS_MS,
    deadLetterTopic: 'point-values.dlq',
    doc: 'Present values of device points as gateways read them: the baseline of slew limits and read-backs.',
  },
  readingAggregates: {
    name: 'reading-aggregates',
    valueType: 'ReadingAggregate',
    key: 'meterId, or buildingId for building-level aggregates: revisions of one window stay ordered',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'reading-aggregates.dlq',
    doc: 'Windowed sums and statistics of readings, re-emitted with a higher revision when late data arrives.',
  },
  anomalies: {
    name: 'anomalies',
    valueType: 'AnomalyDetected',
    key: 'meterId: anomalies of one meter keep their order',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'anomalies.dlq',
    doc: 'Readings outside the range their baseline expects.',
  },
  dataQualityIssues: {
    name: 'data-quality-issues',
    valueType: 'DataQualityIssue',
    key: 'meterId: issues of one meter keep their order',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'data-quality-issues.dlq',
    doc: 'Data quality problems found in readings: ranges, duplicates, gaps, stuck values, unit mismatches.',
  },
  auditLog: {
    name: 'audit-log',
    valueType: 'AuditRecord',
    key: 'actor: the actions of one agent or user keep their order',
    // Three, not one: an audit needs each actor's actions in order, which the key gives; a total order
    // across actors is not needed (events carry occurredAt) and one partition would cap the consumers
    // of a topic every MCP tool call writes to. Partitions cannot be removed later, only added.
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'audit-log.dlq',
    doc: 'Who did what to what through the platform: MCP tool calls, replays, dead-letter redrives.',
  },
  weatherAlerts: {
    name: 'weather-alerts',
    valueType: 'WeatherAlert',
    key: 'stationId: the alerts of one station keep their order',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'weather-alerts.dlq',
    doc: 'Heat and cold alerts raised when a station forecast crosses a configured threshold (weather poller).',
  },
  importCheckpoints: {
    name: 'import-checkpoints',
    valueType: 'ImportCheckpoint',
    key: 'sourceId: the latest checkpoint per source file says how far it is imported',
    // One partition: a handful of small records per import, read whole at each import's start.
    partitions: 1,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    deadLetterTopic: 'import-checkpoints.dlq',
    doc: 'How far each imported file has got, written in the same transaction as its events (eaio import).',
  },
  telemetry: {
    name: 'telemetry',
    valueType: 'OperationRecorded',
    key: 'component: the operations of one component keep their order',
    partitions: 3,
    cleanupPolicy: 'delete',
    // The product's record of its own work, not a source of truth: nothing derived from it has to be
    // replayed beyond the per-minute operation stats, which look back days, not months. 30 days covers
    // a monthly review and rebuilding those stats, and bounds a topic every tool call and batch writes to.
    retentionMs: THIRTY_DAYS_MS,
    deadLetterTopic: 'telemetry.dlq',
    doc: 'What the platform itself did: one OperationRecorded per MCP tool call and per processor batch.',
  },
  // Forecast models (issue 15): models and promotions are small and kept forever, so a replay
  // re-derives every model version, and the promotions are the audited record of which one answers use.
  models: {
    name: 'models',
    valueType: 'ModelTrained',
    key: 'meterId: the models of one meter keep their training order',
    partitions: 3,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'models.dlq',
    doc: 'Every forecast model fitted, one ModelTrained per meter, version and training window, with its held-back scores (model trainer).',
  },
  modelPromotions: {
    name: 'model-promotions',
    valueType: 'ModelPromoted',
    key: 'scope/scopeId: the promotions of one meter, building or all keep their order',
    // One partition: a handful of admin actions, and a reader folds them all to resolve a meter's version.
    partitions: 1,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'model-promotions.dlq',
    doc: 'Which model version answers use by default, per meter, building or all: audited admin actions (promote_model, eaio models promote).',
  },
  forecasts: {
    name: 'forecasts',
    valueType: 'ForecastIssued',
    key: 'meterId: the forecasts of one meter keep their issue order',
    partitions: 3,
    cleanupPolicy: 'delete',
    // Kept forever: live accuracy joins stored forecasts with actuals, and a rebuild must see them all.
    retentionMs: FOREVER,
    deadLetterTopic: 'forecasts.dlq',
    doc: 'Hourly day-ahead and week-ahead forecasts per meter and model version (model forecaster).',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof TOPICS;

/** Resolves catalog names against a deployment's topic prefix. */
export interface TopicNames {
  readonly prefix: string;
  /** Full topic name of a catalog entry. */
  topic(key: TopicKey): string;
  /** Full name of a catalog entry's dead-letter topic. */
  deadLetter(key: TopicKey): string;
  /** Catalog key of a full topic name, or undefined for a topic outside the catalog. */
  keyOf(topic: string): TopicKey | undefined;
}

export function topicNames(prefix: string): TopicNames {
  const keys = Object.keys(TOPICS) as TopicKey[];
  return {
    prefix,
    topic: (key) => `${prefix}${TOPICS[key].name}`,
    deadLetter: (key) => `${prefix}${TOPICS[key].deadLetterTopic}`,
    keyOf: (topic) => keys.find((key) => `${prefix}${TOPICS[key].name}` === topic),
  };
}
