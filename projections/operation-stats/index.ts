export type { OperationMinute, OperationRow, OperationStatsChanges } from './operation-stats-projection.ts';
export {
  evolveOperationStats,
  minuteOf,
  operationMinutes,
  operationStatsProjection,
  readOperationStats,
} from './operation-stats-projection.ts';
