import { randomUUID } from 'node:crypto';
import { EaioError } from '../../infra/errors/index.ts';
import type {
  CommandAction,
  ControlCommandAction,
  ControlCommandRequested,
  TraceContext,
} from '../../schemas/index.ts';
import { MINUTE_MS } from '../../schemas/index.ts';
import { allowedPriorities, DEFAULT_CONTROL_SAFETY_POLICY } from '../control-safety/index.ts';
import type { ProposeControlCommandArguments } from './control-command-arguments.ts';

/** Who proposes or acts, and through what: the principal and the event's `source`. */
export interface ControlEventOrigin {
  /** The principal, e.g. `user:alice`, `agent:energy-optimizer`; recorded as requestedBy or actor. */
  readonly principal: string;
  /** What the event came through, e.g. `mcp-adapter`, `eaio-cli`. */
  readonly source: string;
  /** When it was asked for. */
  readonly at: Date;
  readonly traceContext?: TraceContext | null;
}

/** The key of every control event of one point: commands, decisions, actions and outcomes stay in order. */
export function controlEventKey(event: { readonly buildingId: string; readonly pointId: string }): string {
  return `${event.buildingId}/${event.pointId}`;
}

function invalid(message: string): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message);
}

/**
 * When a proposal expires: `durationMinutes` after it is asked for, or its `expiresAt`; exactly one
 * must be given, and the expiry must be in the future (nothing an agent writes stays forever).
 */
export function expiryOf(args: ProposeControlCommandArguments, at: Date): Date {
  if ((args.durationMinutes === undefined) === (args.expiresAt === undefined)) {
    throw invalid(
      'say how long the command holds: give either durationMinutes or expiresAt (not both, not neither)',
    );
  }
  const expiresAt =
    args.durationMinutes !== undefined
      ? new Date(at.getTime() + Math.round(args.durationMinutes * MINUTE_MS))
      : new Date(args.expiresAt as string);
  if (expiresAt.getTime() <= at.getTime()) {
    throw invalid(`expiresAt ${expiresAt.toISOString()} is not in the future (now ${at.toISOString()})`);
  }
  return expiresAt;
}

/**
 * The `ControlCommandRequested` of a proposal: a fresh commandId (the eventId derives from nothing
 * else, so a producer retry of these bytes is the same event), requestedBy the principal, the priority
 * defaulted to the highest the principal may use under the default safety policy (a proposal that
 * names none is meant to be accepted), the expiry resolved. A schedule without a time zone takes `buildingTimeZone`.
 */
export function buildControlCommandRequested(
  args: ProposeControlCommandArguments,
  origin: ControlEventOrigin,
  options: { readonly commandId?: string; readonly buildingTimeZone?: string } = {},
): ControlCommandRequested {
  const expiresAt = expiryOf(args, origin.at);
  let schedule: ControlCommandRequested['schedule'] = null;
  if (args.schedule !== undefined) {
    const timeZone = args.schedule.timeZone ?? options.buildingTimeZone;
    if (timeZone === undefined) {
      throw invalid(`schedule.timeZone is needed: building '${args.buildingId}' names no time zone`);
    }
    schedule = {
      timeZone,
      daysOfWeek: [...args.schedule.daysOfWeek].sort((a, b) => a - b),
      start: args.schedule.start,
      end: args.schedule.end,
    };
  }
  return {
    eventId: randomUUID(),
    occurredAt: origin.at,
    source: origin.source,
    commandId: options.commandId ?? randomUUID(),
    buildingId: args.buildingId,
    pointId: args.pointId,
    value: args.value,
    unit: args.unit,
    priority: args.priority ?? defaultPriorityOf(origin.principal),
    expiresAt,
    requestedBy: origin.principal,
    reason: args.reason ?? null,
    schedule,
    heartbeatSeconds: args.heartbeatSeconds ?? null,
    traceContext: origin.traceContext ?? null,
  };
}

/** The command an action is about, as far as the event needs it. */
export interface ActionTarget {
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
}

/** A `ControlCommandAction` by `origin.principal` on `target`. */
export function buildControlCommandAction(
  target: ActionTarget,
  action: CommandAction,
  origin: ControlEventOrigin,
  reason?: string,
): ControlCommandAction {
  return {
    eventId: randomUUID(),
    occurredAt: origin.at,
    source: origin.source,
    commandId: target.commandId,
    buildingId: target.buildingId,
    pointId: target.pointId,
    action,
    actor: origin.principal,
    reason: reason ?? null,
    traceContext: origin.traceContext ?? null,
  };
}

/** The highest priority (lowest number) the default safety policy lets `principal` write. */
export function defaultPriorityOf(principal: string): number {
  return allowedPriorities(principal, DEFAULT_CONTROL_SAFETY_POLICY).highest;
}
