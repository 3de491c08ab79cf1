import { z } from 'zod';
import { buildingTag, type QueryLayer } from '../../../projections/index.ts';
import { CONTROL_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { seesBuilding } from '../../tenancy.ts';
import { unknownCommand } from '../../tool-errors.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

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

export const getCommandStatusOutput = z.object({
  commandId: z.string(),
  buildingId: z.string(),
  pointId: z.string().describe('The control point written.'),
  status: z
    .string()
    .describe(
      'requested, then accepted or rejected, then acknowledged, failed or relinquished by the device.',
    ),
  statusAt: z.string().describe('Event time of the current status, ISO 8601.'),
  requestedBy: z.string().nullable(),
  value: z.number().nullable(),
  unit: z.enum(CONTROL_UNITS).nullable(),
  priority: z.number().nullable(),
  expiresAt: z.string().nullable(),
  decisionReasons: reasons,
  deviceMessage: z.string().nullable(),
  history: z
    .array(
      z.object({
        status: z.string(),
        occurredAt: z.string(),
        source: z.string(),
        reasons,
        deviceMessage: z.string().nullable(),
      }),
    )
    .describe('Every status of the command, oldest first.'),
  ...answerMetaOutput,
});

/** `get_command_status`: where a control command stands, with its history. */
export const getCommandStatus = defineTool({
  name: TOOL_NAMES.getCommandStatus,
  title: 'Status of a control command',
  description:
    'Returns the current status of one control command (requested, accepted or rejected with the reasons, then what the device answered) and its history. Use it to follow up on a setpoint change.',
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
    const history = c.history.map((h) => ({
      status: h.status,
      occurredAt: h.occurredAt.toISOString(),
      source: h.source,
      reasons: h.reasons === null ? null : h.reasons.map((r) => ({ code: r.code, message: r.message })),
      deviceMessage: h.deviceMessage,
    }));
    const structured = {
      commandId: c.commandId,
      buildingId: c.buildingId,
      pointId: c.pointId,
      status: c.status,
      statusAt: c.statusAt.toISOString(),
      requestedBy: c.requestedBy,
      value: c.value,
      unit: c.unit,
      priority: c.priority,
      expiresAt: c.expiresAt?.toISOString() ?? null,
      decisionReasons:
        c.decisionReasons === null
          ? null
          : c.decisionReasons.map((r) => ({ code: r.code, message: r.message })),
      deviceMessage: c.deviceMessage,
      history,
      ...meta,
    };
    const text = [
      `Command ${c.commandId} (${c.buildingId}/${c.pointId}${c.value === null ? '' : ` = ${c.value} ${c.unit ?? ''}`.trimEnd()}): ${c.status} at ${structured.statusAt}.`,
      `History: ${history.map((h) => `${h.status} ${h.occurredAt}`).join(' → ')}.`,
      ...(structured.decisionReasons?.length
        ? [`Reasons: ${structured.decisionReasons.map((r) => r.message).join('; ')}`]
        : []),
      ...(c.deviceMessage ? [`Device: ${c.deviceMessage}`] : []),
      answerMetaText(meta),
    ].join('\n');
    return { structured, text };
  },
});
