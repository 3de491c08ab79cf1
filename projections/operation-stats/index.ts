export type { OperationMinute, OperationRow, OperationStatsChanges } from './operation-stats-projection.ts';
export {
  evolveOperationStats,
  minuteOf,
  operationMinutes,
  operationStatsProjection,
  readOperationStats,
} from './operation-stats-projection.ts';
export type { OperationSummary, OperationSummaryQuery } from './query-operation-summary.ts';
export { MAX_OPERATION_SUMMARIES, queryOperationSummary } from './query-operation-summary.ts';
