// Analytics (issue 15): recommendations, similar buildings, EUI trends.
export type {
  BenchmarkTrend,
  BenchmarkTrendQuery,
  BuildingShape,
  EstimatedSaving,
  Evidence,
  EvidenceRange,
  Figure,
  Level,
  Recommendation,
  RecommendationRule,
  Recommendations,
  RecommendationsQuery,
  RuleId,
  Shape,
  ShapeVector,
  SimilarBuilding,
  SimilarBuildings,
  SimilarBuildingsQuery,
  TrendMonth,
} from './analytics/index.ts';
export {
  DISTANCE_METHOD,
  LEVELS,
  MAX_RECOMMENDATION_WINDOW_DAYS,
  MAX_SHAPE_WINDOW_DAYS,
  MAX_SIMILAR_BUILDINGS,
  MAX_TREND_MONTHS,
  MIN_MONTH_COVERAGE,
  queryBenchmarkTrend,
  queryRecommendations,
  querySimilarBuildings,
  RULE_IDS,
  RULES,
  SHAPES,
  shapeDistance,
} from './analytics/index.ts';
export type { AnomaliesQuery, AnomalyRow, AnomalyView } from './anomalies/index.ts';
export { MAX_ANOMALIES, queryAnomalies } from './anomalies/index.ts';
export type { AnomalyFeedItem, AnomalyFeedOptions, ReadAnomalyFeedOptions } from './anomaly-feed/index.ts';
export {
  ANOMALY_FEED,
  activeAnomalyFeedKeyspace,
  createAnomalyFeedProjection,
  readAnomalyFeed,
} from './anomaly-feed/index.ts';
export type { AuditQuery, AuditRecordView } from './audit-log/index.ts';
export {
  auditLogProjection,
  DEFAULT_AUDIT_LIMIT,
  MAX_AUDIT_RECORDS,
  queryAuditRecords,
} from './audit-log/index.ts';
export type {
  BuildingDemand,
  BuildingSummary,
  BuildingSummaryOptions,
  LocalDay,
  ReadBuildingSummaryOptions,
  TodayConsumption,
} from './building-summary/index.ts';
export {
  activeBuildingSummaryKeyspace,
  BUILDING_SUMMARY,
  createBuildingSummaryProjection,
  localDayOf,
  readBuildingSummary,
} from './building-summary/index.ts';
export type {
  BenchmarkQuery,
  BuildingBenchmark,
  BuildingListing,
  BuildingsPage,
  BuildingsQuery,
  BuildingView,
} from './buildings/index.ts';
export {
  buildingsProjection,
  listBuildingIds,
  listBuildingIdsOfStation,
  MAX_BUILDINGS_PAGE,
  queryBenchmark,
  queryBuildings,
  readBuilding,
} from './buildings/index.ts';
export { PROJECTIONS, projectionNamed } from './catalog.ts';
export type {
  ApprovalView,
  CommandStatus,
  CommandStatusView,
  CommandTimelineEvent,
  CommandTimelineQuery,
  OutcomeView,
  TimelineEntry,
  TimelineStep,
} from './control-commands/index.ts';
export { COMMAND_STATUSES, commandStatusOf, queryCommandStatus } from './control-commands/index.ts';
export type { BuildingWeather, CurrentWeather, ObservedValue } from './current-weather/index.ts';
export {
  activeCurrentWeatherKeyspace,
  CURRENT_WEATHER,
  currentWeatherProjection,
  readBuildingWeather,
  readStationWeather,
} from './current-weather/index.ts';
export type {
  DataQualityIssuesQuery,
  DataQualityIssueView,
  DataQualityQuery,
  DataQualityReport,
} from './data-quality-issues/index.ts';
export { queryDataQualityReport } from './data-quality-issues/index.ts';
export type {
  DeadLetterDetail,
  DeadLetterIndexDeps,
  DeadLetterPage,
  DeadLetterRefusal,
  DeadLetterSummary,
  DeadLettersQuery,
  RunningDeadLetterIndex,
} from './dead-letters/index.ts';
export {
  MAX_DEAD_LETTER_PAGE,
  queryDeadLetter,
  queryDeadLetters,
  startDeadLetterIndex,
} from './dead-letters/index.ts';
// Forecast models and forecasts (issue 15).
export type {
  BuildingForecastView,
  ForecastHourView,
  ForecastQuery,
  HourTemperature,
  LiveAccuracyQuery,
  MeterForecastView,
  StoredModel,
  VersionAccuracy,
} from './forecasts/index.ts';
export {
  forecastHoursOf,
  forecastsProjection,
  issueForecast,
  queryForecast,
  queryLiveAccuracy,
  readForecastTemperatures,
  readLatestModel,
  readRecentConsumption,
  weatherForecastsProjection,
} from './forecasts/index.ts';
export {
  activeGenerationKey,
  generationSchema,
  redisGenerationPrefix,
  redisKeyspace,
} from './generation-names.ts';
export type {
  ForecastMeter,
  ModelVersion,
  ModelView,
  PromotionRequest,
  TrainingSkipped,
  VersionChoice,
} from './models/index.ts';
export {
  buildModelPromoted,
  DEFAULT_MODEL_VERSION,
  isModelTrained,
  listForecastMeters,
  MODEL_VERSIONS,
  modelsProjection,
  modelVersionNamed,
  promotionTopicKey,
  queryModels,
  queryVersionChoice,
  readHourlyObservations,
  trainingWindows,
  trainModel,
} from './models/index.ts';
export type {
  OperationMinute,
  OperationRow,
  OperationStatsChanges,
  OperationSummary,
  OperationSummaryQuery,
} from './operation-stats/index.ts';
export {
  MAX_OPERATION_SUMMARIES,
  operationMinutes,
  operationStatsProjection,
  queryOperationSummary,
  readOperationStats,
} from './operation-stats/index.ts';
export type { Positioned } from './positioned-event.ts';
export type {
  AnyProjection,
  PostgresDdlContext,
  PostgresProjection,
  ProjectionEvent,
  RedisKeyspace,
  RedisProjection,
} from './projection.ts';
export type {
  BatchOutcome,
  ConsumedPosition,
  Generation,
  GenerationReport,
  GenerationStatus,
  GenerationTarget,
  PartitionStatus,
  ProjectionGenerations,
  ProjectionStatus,
  ProjectionStores,
  ProjectorDeps,
  ProjectorFailpoints,
  RebuildDeps,
  RebuildOptions,
  RebuildPhase,
  RebuildProgress,
  RebuildResult,
  StoredOffset,
} from './projector/index.ts';
export {
  createProjector,
  deleteRedisPrefix,
  detectTimescale,
  ensureProjections,
  listProjections,
  queryProjectionGenerations,
  readGenerationOffsets,
  readGenerations,
  rebuildProjection,
  resetActiveGenerations,
  rewindActiveGenerations,
} from './projector/index.ts';
export type { AsOf, Bucket, TimeRange } from './query-arguments.ts';
export type {
  Answer,
  AnswerBody,
  ProjectionReplayState,
  Provenance,
  QueryLayer,
  QueryLayerDeps,
  Staleness,
} from './query-layer/index.ts';
export { createQueryLayer, normaliseArguments } from './query-layer/index.ts';
export type { LatestReading, MeterLatestReading } from './readings/index.ts';
export {
  activeLatestReadingsKeyspace,
  latestReadingsProjection,
  readingsProjection,
  readLatestReadings,
} from './readings/index.ts';
export type {
  ConsumptionBucket,
  ConsumptionQuery,
  ConsumptionTotal,
  ConsumptionTotalsQuery,
  WeatherNormalisedConsumption,
  WeatherNormalisedQuery,
} from './rollups/index.ts';
export { queryConsumption, queryWeatherNormalised } from './rollups/index.ts';
export type { SavingsEstimate, SavingsPeriod, SavingsQuery } from './savings/index.ts';
export { DEFAULT_BASELINE_DAYS, DEFAULT_MIN_BASELINE_WEEKS, querySavings } from './savings/index.ts';
export type { AppliedMigrations } from './schema/index.ts';
export { ensureMonthlyPartitions, monthlyPartitionName, monthsOf, runMigrations } from './schema/index.ts';
export { DEFAULT_TENANT } from './tenants.ts';
export type {
  CachedResult,
  CacheLookup,
  GetOrComputeOptions,
  ToolResultCache,
  ToolResultCacheOptions,
} from './tool-result-cache/index.ts';
export {
  BUILDING_REGISTRY_TAG,
  buildingInfoTag,
  buildingTag,
  createToolResultCache,
  DEFAULT_CACHE_TTL_SECONDS,
  meterTag,
  PORTFOLIO_TAG,
  stationTag,
  tagsToInvalidate,
} from './tool-result-cache/index.ts';
export type { WeatherHour, WeatherHoursQuery } from './weather/index.ts';
