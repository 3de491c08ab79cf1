import { z } from 'zod';
import { EaioError } from '../../infra/errors/index.ts';
import { CONTROL_UNITS } from '../../schemas/index.ts';
import { DEFAULT_CONTROL_SAFETY_POLICY } from '../control-safety/index.ts';

/**
 * The longest a command may run, in minutes: the default safety policy's limit, so a proposal the
 * decision would reject as expiry_missing is refused here with a message instead.
 */
export const MAX_COMMAND_MINUTES = DEFAULT_CONTROL_SAFETY_POLICY.maxCommandDurationMs / 60_000;

/** Heartbeat bounds: often enough to notice a dead proposer, rare enough not to flood the topic. */
export const MIN_HEARTBEAT_SECONDS = 5;
export const MAX_HEARTBEAT_SECONDS = 3600;

const id = (what: string) => z.string().trim().min(1).max(200).describe(what);

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A recurring window as a proposer gives it; `timeZone` may be left to the building's. */
export const controlScheduleArguments = z
  .object({
    timeZone: z
      .string()
      .refine(isTimeZone, { message: 'is not an IANA time zone, e.g. Europe/London' })
      .optional()
      .describe("IANA time zone the window is read in, e.g. 'Europe/London'; default: the building's."),
    daysOfWeek: z
      .array(z.number().int().min(1).max(7))
      .min(1)
      .max(7)
      .refine((days) => new Set(days).size === days.length, { message: 'names a day twice' })
      .describe('ISO days the window opens on, 1 (Monday) to 7 (Sunday); at least one.'),
    start: z
      .string()
      .regex(HH_MM, { message: "must be 'HH:MM' (24-hour)" })
      .describe("Local time the window opens, 'HH:MM' (24-hour)."),
    end: z
      .string()
      .regex(HH_MM, { message: "must be 'HH:MM' (24-hour)" })
      .describe("Local time the window closes, 'HH:MM', after start (windows do not cross midnight)."),
  })
  .refine((w) => w.start < w.end, {
    message: 'end must be after start (a window does not cross midnight)',
    path: ['end'],
  });

/** The fields of a proposal, shared by the MCP tool's input and the CLI. */
export const proposeControlCommandFields = {
  buildingId: id('Building the point belongs to, e.g. from list_buildings.'),
  pointId: id('Writable control point, e.g. a zone setpoint id.'),
  value: z.number().finite().describe('Value to write, in unit (booleans are 0 or 1).'),
  unit: z
    .enum(CONTROL_UNITS)
    .describe("Unit of value; must be the point's own unit (the decision rejects a mismatch)."),
  priority: z
    .number()
    .int()
    .min(1)
    .max(16)
    .optional()
    .describe(
      'BACnet priority 1 (highest) to 16 (lowest); the device applies the highest active one. Under the default safety policy people (principals named user:...) may use 8-16 and agents 9-16; when omitted, the highest the caller may use (8 for people, 9 for agents).',
    ),
  durationMinutes: z
    .number()
    .positive()
    .max(MAX_COMMAND_MINUTES)
    .optional()
    .describe(
      `How long the command holds before it is relinquished, in minutes (at most ${MAX_COMMAND_MINUTES}). Give this or expiresAt.`,
    ),
  expiresAt: z.iso
    .datetime({ offset: true })
    .optional()
    .describe(
      'When the command lapses and is relinquished, ISO 8601 with a zone, e.g. 2026-12-06T18:00:00Z. Give this or durationMinutes.',
    ),
  schedule: controlScheduleArguments
    .optional()
    .describe(
      'A recurring window (e.g. occupied hours) the command applies in: written at each start, relinquished at each end, until it expires.',
    ),
  heartbeatSeconds: z
    .number()
    .int()
    .min(MIN_HEARTBEAT_SECONDS)
    .max(MAX_HEARTBEAT_SECONDS)
    .optional()
    .describe(
      'Promise a heartbeat (heartbeat_control_command) at least this often; the gateway relinquishes the command when none came for twice this long.',
    ),
  reason: z.string().trim().min(1).max(1000).optional().describe('Why, in words, for the audit trail.'),
};

export const proposeControlCommandArguments = z.object(proposeControlCommandFields);

/** A proposal's arguments after validation. */
export type ProposeControlCommandArguments = z.output<typeof proposeControlCommandArguments>;

/** The fields of an action on a command (approve, refuse, cancel, heartbeat). */
export const controlActionFields = {
  commandId: id('Id of the command, as propose_control_command (or `eaio command propose`) returned it.'),
  reason: z.string().trim().min(1).max(1000).optional().describe('Why, in words, for the audit trail.'),
};

export const controlActionArguments = z.object(controlActionFields);
export type ControlActionArguments = z.output<typeof controlActionArguments>;

/**
 * Validates arguments against a schema, turning zod's issues into one INVALID_ARGUMENT error that
 * names each bad field and what is wrong with it (what the CLI prints and a tool answers).
 */
export function parseArguments<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  throw new EaioError('INVALID_ARGUMENT', 'permanent', `${what}: ${problems.join('; ')}`, {
    context: { problems },
  });
}
