export type { ConsumedPosition, ProjectorDeps } from './create-projector.ts';
export { createProjector } from './create-projector.ts';
export type { Generation, GenerationStatus, ProjectionStores } from './generations.ts';
export {
  deleteRedisPrefix,
  detectTimescale,
  dropGeneration,
  ensureProjections,
  readGenerations,
} from './generations.ts';
export type { PartitionStatus, ProjectionStatus } from './list-projections.ts';
export { listProjections } from './list-projections.ts';
export type { GenerationKey, StoredOffset } from './offsets.ts';
export { readGenerationOffsets } from './offsets.ts';
export type { BatchOutcome, GenerationTarget, ProjectorFailpoints } from './project-batch.ts';
export type { GenerationReport, ProjectionGenerations } from './query-generations.ts';
export { queryProjectionGenerations } from './query-generations.ts';
export type {
  RebuildDeps,
  RebuildOptions,
  RebuildPhase,
  RebuildProgress,
  RebuildResult,
} from './rebuild-projection.ts';
export { rebuildProjection } from './rebuild-projection.ts';
export { resetActiveGenerations, rewindActiveGenerations } from './rewind-generations.ts';
