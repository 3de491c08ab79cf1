export type { AnomalyDetectorConfig, DetectAnomaliesOptions } from './anomalies/index.ts';
export {
  ANOMALY_DEFAULTS,
  ANOMALY_METHOD,
  ANOMALY_SOURCE,
  anomalyEventId,
  detectAnomalies,
} from './anomalies/index.ts';
export type { CatalogProcessorDeps, ProcessorName } from './catalog.ts';
export {
  anomaliesProcessor,
  buildingAggregatesProcessor,
  controlSafetyProcessor,
  createDataQualityProcessor,
  dataQualityProcessor,
  PROCESSORS,
  readingAggregatesProcessor,
  readingsByBuildingProcessor,
  runNamedProcessor,
  weatherHourlyProcessor,
} from './catalog.ts';
export type {
  ActionTarget,
  CommandActor,
  CommandForAction,
  ControlActionArguments,
  ControlActionRefusal,
  ControlEventOrigin,
  ControlEventSink,
  ControlEventSinkDeps,
  ProposeControlCommandArguments,
} from './control-commands/index.ts';
export {
  authoriseControlAction,
  buildControlCommandAction,
  buildControlCommandRequested,
  CONTROL_ACTION_REFUSALS,
  ControlActionRefusedError,
  controlActionArguments,
  controlActionFields,
  controlEventKey,
  controlScheduleArguments,
  createControlEventSink,
  defaultPriorityOf,
  expiryOf,
  MAX_COMMAND_MINUTES,
  MAX_HEARTBEAT_SECONDS,
  MIN_HEARTBEAT_SECONDS,
  parseArguments,
  proposeControlCommandArguments,
  proposeControlCommandFields,
} from './control-commands/index.ts';
export type {
  ActiveCommand,
  ControlSafetyInput,
  ControlSafetyOptions,
  ControlSafetyPolicy,
  CurrentValue,
  DecisionContext,
  InterlockContext,
  InterlockRule,
  OccupancyChanged,
  OccupancyInterlockRule,
  PairedSetpoint,
  PointSelector,
  PointValueObserved,
  PrincipalKind,
  PriorityRange,
  ScheduleInterlockRule,
  ScheduleLock,
  ScheduleLockChanged,
  SetpointPairDeclared,
} from './control-safety/index.ts';
export {
  allowedPriorities,
  BACNET_PRIORITY_NAMES,
  CONTROL_SAFETY_SOURCE,
  ControlInputRejectedError,
  ControlSafetyPolicyError,
  controlSafety,
  DEFAULT_CONTROL_SAFETY_POLICY,
  decideCommand,
  NO_INTERLOCKS,
  principalKind,
  resolveControlSafetyPolicy,
  validateControlCommand,
  validateControlOutcome,
  validateControlPoint,
} from './control-safety/index.ts';
export type {
  BuildingRulesOverride,
  DataQualityOptions,
  DataQualityOutput,
  QualityRules,
  QualityRulesConfig,
  QualityRulesOverride,
  QualityThresholds,
} from './data-quality/index.ts';
export {
  convertUnit,
  DATA_QUALITY_SOURCE,
  DEFAULT_CANONICAL_UNITS,
  DEFAULT_QUALITY_RULES,
  dataQuality,
  resolveDataQualityOptions,
  rulesFor,
  withQualityThresholds,
} from './data-quality/index.ts';
export type { DeadLetterToolDeps, RedriveReport, RedriveRequest } from './dead-letter-tools/index.ts';
export { listDeadLetters, REDRIVE_ACTION, redriveDeadLetters } from './dead-letter-tools/index.ts';
export type { FitScores, HourlyObservation, TowtFitOptions, TowtModel } from './forecasting/index.ts';
export {
  DEFAULT_KNOTS_C,
  fitTowt,
  GUIDELINE_14_HOURLY,
  MIN_TOWT_SAMPLES,
  meetsGuideline14Hourly,
  modelContentHash,
  predictTowt,
  scoreForecast,
  seasonalNaiveForecast,
  temperatureSegments,
  towtCoefficients,
  towtFeatureNames,
  towtFromCoefficients,
} from './forecasting/index.ts';
export { MAX_READING_BY_UNIT, ReadingRejectedError, validateReading } from './readings-validation/index.ts';
export type {
  InputEvent,
  InputValidators,
  MultiInputProcessorDefinition,
  ProcessorDefinition,
  ProcessorDeps,
  RunningProcessor,
} from './runtime/index.ts';
export { runProcessor } from './runtime/index.ts';
export type {
  BuildingWeatherHour,
  DegreeHourBases,
  DegreeHourCalculator,
  DegreeHourModel,
  DegreeHourSample,
  DegreeHours,
  HourlyWeatherOptions,
} from './weather/index.ts';
export {
  coolingDegreeHours,
  DEFAULT_DEGREE_HOUR_BASES,
  degreeHours,
  fitDegreeHourModel,
  HOURLY_WEATHER_SOURCE,
  heatingDegreeHours,
  hourlyWeather,
  hourlyWeatherEventId,
  joinBuildingsToWeather,
  LateObservationError,
  predictConsumption,
  stationsOfBuildings,
  weatherNormalisedConsumption,
} from './weather/index.ts';
export type {
  AggregateWindowsOptions,
  AggregationScope,
  WindowAggregator,
  WindowStats,
} from './windows/index.ts';
export {
  AGGREGATE_SOURCE,
  aggregateWindows,
  DELTA_REVISION,
  isDeltaAggregate,
  mergeAggregate,
} from './windows/index.ts';
