import { z } from 'zod';
import { controlActionFields } from '../../../processors/index.ts';
import { SCOPES } from '../../access/index.ts';
import { CONTROL_TOOL, defineTool } from '../../define-tool.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { type ControlActionContext, controlActionOutput, takeControlAction } from './take-control-action.ts';

export const cancelControlCommandInput = z.object(controlActionFields);

/** `cancel_control_command`: the proposer (or an approver) withdraws a command; the gateway relinquishes it. */
export const cancelControlCommand = defineTool({
  name: TOOL_NAMES.cancelControlCommand,
  title: 'Cancel a control command',
  description:
    'Cancels a control command before its expiry: a written one is relinquished (the point returns to the value below it, read back and recorded), an unwritten one expires without a write. Only the proposer or an approver may cancel. Recorded in the audit trail with your identity; follow it with get_command_status.',
  input: cancelControlCommandInput,
  output: controlActionOutput,
  annotations: CONTROL_TOOL,
  scope: SCOPES.controlWrite,
  async handle({ commandId, reason }, context: ControlActionContext) {
    const { structured, command } = await takeControlAction('cancel', commandId, reason, context);
    return {
      structured,
      text: `Asked to cancel command ${commandId} (${command.buildingId}/${command.pointId}, ${command.status}) as ${structured.actor}: the gateway relinquishes it (or lets it expire unwritten). Follow it with get_command_status.`,
    };
  },
});
