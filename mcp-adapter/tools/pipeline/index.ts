export type { GenerationProgress, PartitionProgress } from './generation-lag.ts';
export { generationProgress } from './generation-lag.ts';
export { getOperationStats, getOperationStatsInput, getOperationStatsOutput } from './get-operation-stats.ts';
export { getPipelineStatus, getPipelineStatusInput, getPipelineStatusOutput } from './get-pipeline-status.ts';
export { getReplayStatus, getReplayStatusInput, getReplayStatusOutput } from './get-replay-status.ts';
