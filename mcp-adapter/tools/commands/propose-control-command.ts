import { z } from 'zod';
import { traceContextField } from '../../../infra/telemetry/index.ts';
import { buildControlCommandRequested, proposeControlCommandFields } from '../../../processors/index.ts';
import type { QueryLayer } from '../../../projections/index.ts';
import { CONTROL_UNITS } from '../../../schemas/index.ts';
import { SCOPES } from '../../access/index.ts';
import { type ControlReads, controlSinkOf } from '../../control-writes.ts';
import { CONTROL_TOOL, defineTool, type ToolContext } from '../../define-tool.ts';
import { visibleBuilding } from '../../tenancy.ts';
import { unknownBuilding } from '../../tool-errors.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

/** `source` of the events the MCP adapter writes. */
export const MCP_CONTROL_SOURCE = 'mcp-adapter';

export const proposeControlCommandInput = z.object(proposeControlCommandFields);

export const proposeControlCommandOutput = z.object({
  commandId: z.string().describe('Id of the new command: follow it with get_command_status.'),
  eventId: z.string(),
  buildingId: z.string(),
  pointId: z.string(),
  value: z.number(),
  unit: z.enum(CONTROL_UNITS),
  priority: z.number().int(),
  expiresAt: z.string().describe('When it lapses and is relinquished, ISO 8601.'),
  schedule: z
    .object({
      timeZone: z.string(),
      daysOfWeek: z.array(z.number().int()),
      start: z.string(),
      end: z.string(),
    })
    .nullable(),
  heartbeatSeconds: z.number().nullable(),
  requestedBy: z.string().describe('You, as the audit trail and the approver see you.'),
  status: z.literal('requested'),
});

/** `propose_control_command`: asks for a value at a control point; checked, maybe approved, then written. */
export const proposeControlCommand = defineTool({
  name: TOOL_NAMES.proposeControlCommand,
  title: 'Propose a control command',
  description:
    "Proposes writing a value to a building's control point (e.g. a zone setpoint) at a BACnet priority until an expiry, optionally within a recurring window and with a heartbeat you promise. Nothing is written yet: the safety check accepts or rejects it against the point's limits, slew rate, dead band and schedule; if the point requires approval a second principal with the approver role must approve it; then the gateway writes it, reads it back, and relinquishes it at expiry, on cancel or when your heartbeat stops. Returns the commandId: follow it with get_command_status. Recorded in the audit trail with your identity.",
  input: proposeControlCommandInput,
  output: proposeControlCommandOutput,
  annotations: CONTROL_TOOL,
  scope: SCOPES.controlWrite,
  async handle(args, context: ToolContext<Pick<QueryLayer, 'building' | 'buildingTenant'> & ControlReads>) {
    const { queries, principal, now } = context;
    await visibleBuilding(context, args.buildingId);
    const building = await queries.building(args.buildingId);
    if (building === undefined) throw unknownBuilding(args.buildingId);
    const sink = controlSinkOf(queries);
    const event = buildControlCommandRequested(
      args,
      {
        principal: principal.subject,
        source: MCP_CONTROL_SOURCE,
        at: new Date(now()),
        traceContext: traceContextField(),
      },
      { buildingTimeZone: building.timezone },
    );
    await sink.send(event);
    const structured = {
      commandId: event.commandId,
      eventId: event.eventId,
      buildingId: event.buildingId,
      pointId: event.pointId,
      value: event.value,
      unit: event.unit,
      priority: event.priority,
      expiresAt: event.expiresAt.toISOString(),
      schedule:
        event.schedule == null ? null : { ...event.schedule, daysOfWeek: [...event.schedule.daysOfWeek] },
      heartbeatSeconds: event.heartbeatSeconds ?? null,
      requestedBy: event.requestedBy,
      status: 'requested' as const,
    };
    const window =
      event.schedule == null
        ? ''
        : ` within ${event.schedule.start}-${event.schedule.end} ${event.schedule.timeZone} on ISO days ${event.schedule.daysOfWeek.join(',')}`;
    const text = [
      `Proposed command ${event.commandId}: ${event.buildingId}/${event.pointId} = ${event.value} ${event.unit} at priority ${event.priority} until ${structured.expiresAt}${window}, as ${event.requestedBy}.`,
      'It is not written yet: the safety check decides, an approver approves when the point requires it, then the gateway writes and reads back.',
      ...(event.heartbeatSeconds == null
        ? []
        : [
            `Send heartbeat_control_command at least every ${event.heartbeatSeconds} s, or the gateway relinquishes it after ${2 * event.heartbeatSeconds} s without one.`,
          ]),
      `Follow it with get_command_status { commandId: "${event.commandId}" }.`,
    ].join('\n');
    return { structured, text };
  },
});
