import type { CommandOutcome, ControlVerdict } from '../../schemas/index.ts';

/** Every status a command can be in: requested, then decided, then what the device did. */
export const COMMAND_STATUSES = [
  'requested',
  'accepted',
  'rejected',
  'acknowledged',
  'failed',
  'relinquished',
  'expired',
  'refused',
] as const satisfies readonly ('requested' | ControlVerdict | CommandOutcome)[];
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/**
 * How far along its life a status puts a command; the status never moves to a lower rank. Request,
 * decision and outcome arrive on three topics, consumed independently, so an outcome may be folded
 * before its request: the rank, not arrival, decides. A decision (accepted or rejected) outranks the
 * request; what the device did outranks the decision; relinquished, expired (never written) and refused
 * (by the gateway) end the command, also after a failure. Within one rank, the later event time wins,
 * then the larger event id (deterministic).
 */
export const STATUS_RANK: Readonly<Record<CommandStatus, number>> = Object.freeze({
  requested: 0,
  accepted: 1,
  rejected: 1,
  acknowledged: 2,
  failed: 2,
  relinquished: 3,
  expired: 3,
  refused: 3,
});

/** A status event's claim on the current status of its command. */
export interface StatusClaim {
  readonly status: CommandStatus;
  readonly rank: number;
  readonly at: Date;
  readonly eventId: string;
}

/** Event ids as Postgres orders uuids (bytewise, i.e. lower-case hex). */
export const normaliseEventId = (eventId: string): string => eventId.toLowerCase();

/** Orders claims by (rank, event time, event id): positive when `a` supersedes `b`. */
export function compareClaims(a: StatusClaim, b: StatusClaim): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  const dt = a.at.getTime() - b.at.getTime();
  if (dt !== 0) return dt;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export function claimOf(status: CommandStatus, at: Date, eventId: string): StatusClaim {
  return { status, rank: STATUS_RANK[status], at, eventId: normaliseEventId(eventId) };
}
