export type { CommandStatus, StatusClaim, StoredCommandStatus, TimelineStep } from './command-status.ts';
export {
  COMMAND_STATUSES,
  compareClaims,
  ENDED_STATUSES,
  hasEnded,
  outcomeRank,
  STATUS_RANK,
} from './command-status.ts';
export type {
  ApprovalPart,
  CommandRow,
  ControlCommandsChanges,
  DecisionPart,
  OutcomePart,
  PointPolicyRow,
  RequestPart,
  StatusHistoryRow,
} from './control-commands-projection.ts';
export {
  controlCommandsProjection,
  evolveControlCommands,
  mergeCommandRows,
  mergeControlCommandsChanges,
} from './control-commands-projection.ts';
export type {
  ApprovalView,
  CommandStatusView,
  OutcomeView,
  TimelineEntry,
} from './query-command-status.ts';
export { commandStatusOf, queryCommandStatus } from './query-command-status.ts';
export type { CommandTimelineEvent, CommandTimelineQuery } from './query-command-timeline.ts';
export { MAX_COMMAND_TIMELINE, queryCommandTimeline } from './query-command-timeline.ts';
