export type { DataQualityIssueRow, DataQualityIssuesChanges } from './data-quality-issues-projection.ts';
export {
  dataQualityIssuesProjection,
  evolveDataQualityIssues,
  mergeDataQualityIssuesChanges,
} from './data-quality-issues-projection.ts';
export type { DataQualityIssuesQuery, DataQualityIssueView } from './query-data-quality-issues.ts';
export { MAX_DATA_QUALITY_ISSUES, queryDataQualityIssues } from './query-data-quality-issues.ts';
export type { DataQualityQuery, DataQualityReport } from './query-data-quality-report.ts';
export { queryDataQualityReport } from './query-data-quality-report.ts';
