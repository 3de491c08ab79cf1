export {
  approveControlCommand,
  approveControlCommandInput,
} from './approve-control-command.ts';
export { cancelControlCommand, cancelControlCommandInput } from './cancel-control-command.ts';
export { getCommandStatus, getCommandStatusInput, getCommandStatusOutput } from './get-command-status.ts';
export { heartbeatControlCommand, heartbeatControlCommandInput } from './heartbeat-control-command.ts';
export {
  MCP_CONTROL_SOURCE,
  proposeControlCommand,
  proposeControlCommandInput,
  proposeControlCommandOutput,
} from './propose-control-command.ts';
export { controlActionOutput } from './take-control-action.ts';
