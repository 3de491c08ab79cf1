import { z } from 'zod';
import { controlActionFields } from '../../../processors/index.ts';
import { SCOPES } from '../../access/index.ts';
import { CONTROL_TOOL, defineTool } from '../../define-tool.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { type ControlActionContext, controlActionOutput, takeControlAction } from './take-control-action.ts';

export const heartbeatControlCommandInput = z.object({ commandId: controlActionFields.commandId });

/** `heartbeat_control_command`: the proposer says it is still there; without it the command is relinquished. */
export const heartbeatControlCommand = defineTool({
  name: TOOL_NAMES.heartbeatControlCommand,
  title: 'Heartbeat of a control command',
  description:
    'Tells the gateway you are still watching a command you proposed with heartbeatSeconds: call it at least that often; after twice that long without one the gateway relinquishes the command (cause heartbeat_lost). Only the proposer may send it.',
  input: heartbeatControlCommandInput,
  output: controlActionOutput,
  annotations: CONTROL_TOOL,
  scope: SCOPES.controlWrite,
  async handle({ commandId }, context: ControlActionContext) {
    const { structured, command } = await takeControlAction('heartbeat', commandId, undefined, context);
    return {
      structured,
      text: `Heartbeat sent for command ${commandId} (${command.status}) at ${structured.at}; send the next within ${command.heartbeatSeconds ?? '?'} s.`,
    };
  },
});
