export type { CommandActor, CommandForAction, ControlActionRefusal } from './authorise-control-action.ts';
export {
  authoriseControlAction,
  CONTROL_ACTION_REFUSALS,
  ControlActionRefusedError,
} from './authorise-control-action.ts';
export type { ActionTarget, ControlEventOrigin } from './build-control-events.ts';
export {
  buildControlCommandAction,
  buildControlCommandRequested,
  controlEventKey,
  defaultPriorityOf,
  expiryOf,
} from './build-control-events.ts';
export type {
  ControlActionArguments,
  ProposeControlCommandArguments,
} from './control-command-arguments.ts';
export {
  controlActionArguments,
  controlActionFields,
  controlScheduleArguments,
  MAX_COMMAND_MINUTES,
  MAX_HEARTBEAT_SECONDS,
  MIN_HEARTBEAT_SECONDS,
  parseArguments,
  proposeControlCommandArguments,
  proposeControlCommandFields,
} from './control-command-arguments.ts';
export type { ControlEventSink, ControlEventSinkDeps } from './control-event-sink.ts';
export { createControlEventSink } from './control-event-sink.ts';
