import { z } from 'zod';
import { buildingTag, COMMAND_STATUSES, type QueryLayer } from '../../../projections/index.ts';
import { CONTROL_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { seesBuilding } from '../../tenancy.ts';
import { unknownCommand } from '../../tool-errors.ts';
import { TOOL_NAMES } from '../../tool-names.ts';
import { commandTimelineText, type TimelineText } from './command-text.ts';

export const getCommandStatusInput = z.object({
  commandId: z
    .string()
    .min(1)
    .max(200)
    .describe('Id of the control command, as given when it was requested (a UUID).'),
});

const reasons = z
  .array(z.object({ code: z.string(), message: z.string() }))
  .nullable()
  .describe('Why it was accepted or rejected, as the control-safety processor said it.');

const schedule = z
  .object({
    timeZone: z.string(),
    daysOfWeek: z.array(z.number().int()),
    start: z.string(),
    end: z.string(),
  })
  .nullable()
  .describe('The recurring window the command applies in; null when it applies until it expires.');

export const getCommandStatusOutput = z.object({
  commandId: z.string(),
  buildingId: z.string(),
  pointId: z.string().describe('The control point written.'),
  status: z
    .enum(COMMAND_STATUSES)
    .describe(
      'requested; accepted or rejected by the safety check; awaiting_approval (the point needs a second principal); approved or approval_refused; then acknowledged (written and read back), failed, relinquished, expired (never written) or refused (not written unchecked).',
    ),
  statusAt: z.string().describe('Event time of the current status, ISO 8601.'),
  ended: z.boolean().describe('True once nothing more happens to the command.'),
  requestedBy: z.string().nullable().describe('The proposer: the principal who asked for it.'),
  requestedAt: z.string().nullable(),
  value: z.number().nullable().describe('Value asked for.'),
  unit: z.enum(CONTROL_UNITS).nullable(),
  priority: z.number().nullable().describe('BACnet priority asked for, 1 (highest) to 16.'),
  expiresAt: z.string().nullable(),
  schedule,
  heartbeatSeconds: z
    .number()
    .nullable()
    .describe('How often the proposer promised a heartbeat; null for none.'),
  requestReason: z.string().nullable().describe('Why the proposer asked for it.'),
  requiresApproval: z
    .boolean()
    .nullable()
    .describe(
      "Whether the point needs a second principal's approval; null when the point is not registered.",
    ),
  approvalTimeoutSeconds: z.number().nullable(),
  decision: z.enum(['accepted', 'rejected']).nullable().describe('The safety decision.'),
  decisionReasons: reasons,
  approval: z
    .object({
      action: z.enum(['approve', 'refuse']),
      actor: z.string(),
      at: z.string(),
      reason: z.string().nullable(),
    })
    .nullable()
    .describe("The approver's decision that counts (never the proposer's own)."),
  lastHeartbeatAt: z.string().nullable(),
  outcome: z
    .object({
      outcome: z.string(),
      at: z.string(),
      value: z.number().nullable(),
      priority: z.number().nullable(),
      readBack: z.number().nullable(),
      cause: z.string().nullable(),
      deviceMessage: z.string().nullable(),
    })
    .nullable()
    .describe('The latest thing the gateway did: value and priority written, value read back, why it ended.'),
  deviceMessage: z.string().nullable().describe("The latest outcome's device message."),
  history: z
    .array(
      z.object({
        status: z
          .string()
          .describe('The status the event claims, or cancel_requested / heartbeat for those actions.'),
        occurredAt: z.string(),
        source: z.string().describe('What produced the event, e.g. mcp-adapter, control-safety, a gateway.'),
        actor: z.string().nullable().describe('The proposer (request) or the principal who acted (action).'),
        action: z.string().nullable(),
        note: z.string().nullable().describe('Why, in words (request and actions).'),
        reasons,
        value: z.number().nullable(),
        priority: z.number().nullable(),
        readBack: z.number().nullable(),
        cause: z.string().nullable(),
        deviceMessage: z.string().nullable(),
        ignored: z
          .string()
          .nullable()
          .describe('Why the event changed nothing (e.g. approved by the proposer).'),
        topic: z.string().describe('Provenance: the catalogue topic, partition and offset of the event.'),
        partition: z.number().int(),
        offset: z.string(),
      }),
    )
    .describe('Every event of the command, oldest first: request, decision, each action, each outcome.'),
  ...answerMetaOutput,
});

/** `get_command_status`: where a control command stands, with its whole timeline. */
export const getCommandStatus = defineTool({
  name: TOOL_NAMES.getCommandStatus,
  title: 'Status of a control command',
  description:
    'Returns where one control command stands and its whole timeline: the request (who, value, priority, expiry, schedule), the safety decision with its reasons, approvals, cancels and heartbeats (who, when), and each device outcome (value written, priority, value read back, why it ended), each with the log position it came from. Use it to follow a setpoint change from proposal to revert.',
  input: getCommandStatusInput,
  output: getCommandStatusOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.energyRead,
  cache: { category: 'control', tags: (_args, answer) => [buildingTag(answer.buildingId)] },
  async handle(
    { commandId },
    { queries, now, principal }: ToolContext<Pick<QueryLayer, 'commandStatus' | 'buildingTenant'>>,
  ) {
    const answer = await queries.commandStatus(commandId);
    const c = answer.data;
    // A command of a building the caller may not see answers exactly as one never projected.
    if (c === undefined || !(await seesBuilding(queries, principal, c.buildingId))) {
      throw unknownCommand(commandId);
    }
    const meta = answerMeta(answer, now());
    const iso = (d: Date | null): string | null => d?.toISOString() ?? null;
    const reasonsOf = (r: readonly { code: string; message: string }[] | null) =>
      r === null ? null : r.map(({ code, message }) => ({ code, message }));
    const history = c.history.map((h) => ({
      status: h.status,
      occurredAt: h.occurredAt.toISOString(),
      source: h.source,
      actor: h.actor,
      action: h.action,
      note: h.note,
      reasons: reasonsOf(h.reasons),
      value: h.value,
      priority: h.priority,
      readBack: h.readBack,
      cause: h.cause,
      deviceMessage: h.deviceMessage,
      ignored: h.ignored,
      topic: h.sourceTopic,
      partition: h.sourcePartition,
      offset: h.sourceOffset,
    }));
    const structured = {
      commandId: c.commandId,
      buildingId: c.buildingId,
      pointId: c.pointId,
      status: c.status,
      statusAt: c.statusAt.toISOString(),
      ended: c.ended,
      requestedBy: c.requestedBy,
      requestedAt: iso(c.requestedAt),
      value: c.value,
      unit: c.unit,
      priority: c.priority,
      expiresAt: iso(c.expiresAt),
      schedule: c.schedule === null ? null : { ...c.schedule, daysOfWeek: [...c.schedule.daysOfWeek] },
      heartbeatSeconds: c.heartbeatSeconds,
      requestReason: c.reason,
      requiresApproval: c.requiresApproval,
      approvalTimeoutSeconds: c.approvalTimeoutSeconds,
      decision: c.decision,
      decisionReasons: reasonsOf(c.decisionReasons),
      approval: c.approval === null ? null : { ...c.approval, at: c.approval.at.toISOString() },
      lastHeartbeatAt: iso(c.lastHeartbeatAt),
      outcome: c.outcome === null ? null : { ...c.outcome, at: c.outcome.at.toISOString() },
      deviceMessage: c.deviceMessage,
      history,
      ...meta,
    };
    const text = [...commandTimelineText(structured satisfies TimelineText), answerMetaText(meta)].join('\n');
    return { structured, text };
  },
});
