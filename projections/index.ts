export type { BuildingView } from './buildings/index.ts';
export { buildingsProjection, listBuildingIds, readBuilding } from './buildings/index.ts';
export { PROJECTIONS, projectionNamed } from './catalog.ts';
export {
  activeGenerationKey,
  generationSchema,
  redisGenerationPrefix,
  redisKeyspace,
} from './generation-names.ts';
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
  GenerationStatus,
  GenerationTarget,
  PartitionStatus,
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
  readGenerationOffsets,
  readGenerations,
  rebuildProjection,
  resetActiveGenerations,
  rewindActiveGenerations,
} from './projector/index.ts';
export type { LatestReading } from './readings/index.ts';
export {
  activeLatestReadingsKeyspace,
  latestReadingsProjection,
  readingsProjection,
  readLatestReadings,
} from './readings/index.ts';
export type { AppliedMigrations } from './schema/index.ts';
export { ensureMonthlyPartitions, monthlyPartitionName, monthsOf, runMigrations } from './schema/index.ts';
