import { z } from 'zod';
import { traceContextField } from '../../../infra/telemetry/index.ts';
import { authoriseControlAction, buildControlCommandAction } from '../../../processors/index.ts';
import type { CommandStatusView, QueryLayer } from '../../../projections/index.ts';
import type { CommandAction } from '../../../schemas/index.ts';
import { holds, SCOPES } from '../../access/index.ts';
import { type ControlReads, controlSinkOf } from '../../control-writes.ts';
import type { ToolContext } from '../../define-tool.ts';
import { commandForAction } from './command-target.ts';
import { MCP_CONTROL_SOURCE } from './propose-control-command.ts';

/** What every action tool answers: the action sent, by whom, on which command, and where it stood. */
export const controlActionOutput = z.object({
  commandId: z.string(),
  buildingId: z.string(),
  pointId: z.string(),
  action: z.enum(['approve', 'refuse', 'cancel', 'heartbeat']),
  actor: z.string().describe('You, as the audit trail and the gateway see you.'),
  eventId: z.string().describe('Id of the action event on control-actions.'),
  at: z.string().describe('When the action was taken, ISO 8601.'),
  statusBefore: z.string().describe("The command's status when the action was taken."),
});

/** The context an action tool reads through: the command's status, the tenant check and the control port. */
export type ControlActionContext = ToolContext<
  Pick<QueryLayer, 'commandStatus' | 'buildingTenant'> & ControlReads
>;

/**
 * Takes `action` on a command for the caller: reads the command from the read model, checks the
 * rules (`authoriseControlAction`: no self-approval, cancel by the proposer or an approver, heartbeat by
 * the proposer, nothing on an ended command), then sends the `ControlCommandAction`. Nothing is sent
 * when a rule refuses it.
 */
export async function takeControlAction(
  action: CommandAction,
  commandId: string,
  reason: string | undefined,
  context: ControlActionContext,
): Promise<{ structured: z.input<typeof controlActionOutput>; command: CommandStatusView }> {
  const { principal, queries, now } = context;
  const command = await commandForAction(commandId, context);
  authoriseControlAction(
    action,
    { principal: principal.subject, mayApprove: holds(principal, SCOPES.controlApprove) },
    {
      commandId,
      requestedBy: command.requestedBy,
      status: command.status,
      ended: command.ended,
      requiresApproval: command.requiresApproval,
      approvalDecided: command.approval !== null,
      heartbeatSeconds: command.heartbeatSeconds,
    },
  );
  const sink = controlSinkOf(queries);
  const event = buildControlCommandAction(
    command,
    action,
    {
      principal: principal.subject,
      source: MCP_CONTROL_SOURCE,
      at: new Date(now()),
      traceContext: traceContextField(),
    },
    reason,
  );
  await sink.send(event);
  return {
    command,
    structured: {
      commandId,
      buildingId: command.buildingId,
      pointId: command.pointId,
      action,
      actor: event.actor,
      eventId: event.eventId,
      at: event.occurredAt.toISOString(),
      statusBefore: command.status,
    },
  };
}
