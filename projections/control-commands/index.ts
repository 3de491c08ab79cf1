export type { CommandStatus, StatusClaim } from './command-status.ts';
export { COMMAND_STATUSES, compareClaims, STATUS_RANK } from './command-status.ts';
export type {
  CommandRow,
  ControlCommandsChanges,
  DecisionPart,
  OutcomePart,
  RequestPart,
  StatusHistoryRow,
} from './control-commands-projection.ts';
export {
  controlCommandsProjection,
  evolveControlCommands,
  mergeCommandRows,
  mergeControlCommandsChanges,
} from './control-commands-projection.ts';
export type { CommandStatusView } from './query-command-status.ts';
export { queryCommandStatus } from './query-command-status.ts';
