export type {
  BuildingInfoChange,
  BuildingSummaryChanges,
  BuildingSummaryTopic,
  ContributionChange,
  LogPosition,
  MeterDemandChange,
  PositionChange,
} from './building-summary-changes.ts';
export {
  combineBuildingSummaryChanges,
  emptyBuildingSummaryChanges,
  evolveBuildingSummary,
  mergeMeterDemand,
  QUARTER_MS,
} from './building-summary-changes.ts';
export type { BuildingSummaryOptions } from './building-summary-projection.ts';
export {
  activeBuildingSummaryKeyspace,
  BUILDING_SUMMARY,
  createBuildingSummaryProjection,
} from './building-summary-projection.ts';
export { applyBuildingSummary } from './building-summary-store.ts';
export type { LocalDay } from './local-day.ts';
export { localDayOf } from './local-day.ts';
export type {
  AppliedPosition,
  BuildingDemand,
  BuildingSummary,
  KindConsumption,
  MeterDemand,
  ReadBuildingSummaryOptions,
  TodayConsumption,
} from './read-building-summary.ts';
export { readBuildingSummary } from './read-building-summary.ts';
