import type { CommandOutcome, ControlVerdict, OutcomeCause } from '../../schemas/index.ts';

/**
 * Every status a command can be in: requested; accepted or rejected by the safety decision;
 * awaiting_approval while its point needs a second principal's approval (shown by the query, never
 * stored: it is `accepted` on a point whose registration requires approval); approved or
 * approval_refused by an approver; then what the gateway did: acknowledged (written and read back),
 * failed, relinquished, expired (never written), refused (not written unchecked).
 */
export const COMMAND_STATUSES = [
  'requested',
  'accepted',
  'rejected',
  'awaiting_approval',
  'approved',
  'approval_refused',
  'acknowledged',
  'failed',
  'relinquished',
  'expired',
  'refused',
] as const satisfies readonly (
  | 'requested'
  | 'awaiting_approval'
  | 'approved'
  | 'approval_refused'
  | ControlVerdict
  | CommandOutcome
)[];
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** The statuses an event can claim (awaiting_approval is the query's reading of `accepted`). */
export type StoredCommandStatus = Exclude<CommandStatus, 'awaiting_approval'>;

/** What a timeline entry records: a status claim, or an action that claims none (cancel, heartbeat). */
export type TimelineStep = StoredCommandStatus | 'cancel_requested' | 'heartbeat';

/**
 * How far along its life a status puts a command; the status never moves to a lower rank. Request,
 * decision, actions and outcomes arrive on four topics, consumed independently, so an outcome may be
 * folded before its request: the rank, not arrival, decides. Within one rank, the later event time
 * wins, then the larger event id (deterministic).
 *
 * What the device did sits at two ranks: acknowledged, failed and a relinquish at a schedule window's
 * end (rank 4) may follow one another while the command lives, as a scheduled command is written and
 * relinquished at each window; relinquished (for any other cause), expired and refused end it (rank 5).
 */
export const STATUS_RANK: Readonly<Record<StoredCommandStatus, number>> = Object.freeze({
  requested: 0,
  accepted: 1,
  rejected: 1,
  approved: 3,
  approval_refused: 3,
  acknowledged: 4,
  failed: 4,
  relinquished: 5,
  expired: 5,
  refused: 5,
});

/** The rank of a window-end relinquish: the command lives on to its next window. */
export const CYCLING_RANK = 4;

/** The rank of an outcome: a relinquish at a schedule window's end does not end the command. */
export function outcomeRank(outcome: CommandOutcome, cause: OutcomeCause | null | undefined): number {
  return outcome === 'relinquished' && cause === 'schedule_window_end' ? CYCLING_RANK : STATUS_RANK[outcome];
}

/** Statuses after which nothing more happens to a command (failed: unless a later window writes again). */
export const ENDED_STATUSES: ReadonlySet<CommandStatus> = new Set([
  'rejected',
  'approval_refused',
  'failed',
  'expired',
  'refused',
]);

/** Whether a command whose current claim is `claim` has ended. */
export function hasEnded(claim: Pick<StatusClaim, 'status' | 'rank'>): boolean {
  return ENDED_STATUSES.has(claim.status) || (claim.status === 'relinquished' && claim.rank > CYCLING_RANK);
}

/** A status event's claim on the current status of its command. */
export interface StatusClaim {
  readonly status: StoredCommandStatus;
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

export function claimOf(
  status: StoredCommandStatus,
  at: Date,
  eventId: string,
  rank: number = STATUS_RANK[status],
): StatusClaim {
  return { status, rank, at, eventId: normaliseEventId(eventId) };
}
