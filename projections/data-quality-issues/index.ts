export type { DataQualityIssueRow, DataQualityIssuesChanges } from './data-quality-issues-projection.ts';
export {
  dataQualityIssuesProjection,
  evolveDataQualityIssues,
  mergeDataQualityIssuesChanges,
} from './data-quality-issues-projection.ts';
