import { z } from 'zod';
import { controlActionFields } from '../../../processors/index.ts';
import { SCOPES } from '../../access/index.ts';
import { CONTROL_TOOL, defineTool, ToolRefusal } from '../../define-tool.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { type ControlActionContext, controlActionOutput, takeControlAction } from './take-control-action.ts';

export const approveControlCommandInput = z.object({
  ...controlActionFields,
  decision: z
    .enum(['approve', 'refuse'])
    .default('approve')
    .describe('approve (the default) lets the gateway write it; refuse stops it for good (give a reason).'),
});

/** `approve_control_command`: an approver's approval or refusal of another principal's command. */
export const approveControlCommand = defineTool({
  name: TOOL_NAMES.approveControlCommand,
  title: 'Approve or refuse a control command',
  description:
    "Approves (decision: approve, the default) or refuses (decision: refuse, with a reason) a control command on a point that requires approval, as a second principal: the proposer can never approve its own command. Needs the approver role (scope control:approve). The gateway writes an approved, accepted command; a refused one is never written, and one not approved within the point's approval timeout expires. The decision is final and recorded in the audit trail with your identity; read the command first with get_command_status.",
  input: approveControlCommandInput,
  output: controlActionOutput,
  annotations: CONTROL_TOOL,
  scope: SCOPES.controlApprove,
  async handle({ commandId, decision, reason }, context: ControlActionContext) {
    if (decision === 'refuse' && reason === undefined) {
      throw new ToolRefusal(
        'Nothing was sent: a refusal needs a reason (the proposer and the audit trail read it). Call again with reason.',
      );
    }
    const { structured, command } = await takeControlAction(decision, commandId, reason, context);
    const text =
      decision === 'approve'
        ? `Approved command ${commandId} (${command.buildingId}/${command.pointId} = ${command.value ?? '?'} ${command.unit ?? ''}, proposed by ${command.requestedBy}) as ${structured.actor}. ${command.decision === 'accepted' ? 'The gateway writes it next.' : 'The gateway writes it once the safety check accepts it.'} Follow it with get_command_status.`
        : `Refused command ${commandId} (proposed by ${command.requestedBy}) as ${structured.actor}: it will not be written. Follow it with get_command_status.`;
    return { structured, text };
  },
});
