import type pg from 'pg';
import type {
  CommandAction,
  ControlSchedule,
  ControlUnit,
  ControlVerdict,
  DecisionReason,
  OutcomeCause,
} from '../../schemas/index.ts';
import {
  type CommandStatus,
  claimOf,
  compareClaims,
  hasEnded,
  type StatusClaim,
  type StoredCommandStatus,
  type TimelineStep,
} from './command-status.ts';
import type { StatusHistoryRow } from './control-commands-projection.ts';

/** One event of a command as the timeline shows it; `ignored` says why it changed nothing. */
export interface TimelineEntry
  extends Pick<
    StatusHistoryRow,
    | 'status'
    | 'occurredAt'
    | 'source'
    | 'reasons'
    | 'deviceMessage'
    | 'actor'
    | 'action'
    | 'note'
    | 'value'
    | 'priority'
    | 'readBack'
    | 'cause'
    | 'sourceTopic'
    | 'sourcePartition'
    | 'sourceOffset'
  > {
  /** Why the event does not count, e.g. an approval by the command's own proposer; null when it counts. */
  readonly ignored: string | null;
}

/** The approver's decision that counts: the first approve or refuse by a principal other than the proposer. */
export interface ApprovalView {
  readonly action: Extract<CommandAction, 'approve' | 'refuse'>;
  readonly actor: string;
  readonly at: Date;
  readonly reason: string | null;
}

/** The latest outcome: what was written, read back and why it ended. */
export interface OutcomeView {
  readonly outcome: StoredCommandStatus;
  readonly at: Date;
  readonly value: number | null;
  readonly priority: number | null;
  readonly readBack: number | null;
  readonly cause: OutcomeCause | null;
  readonly deviceMessage: string | null;
}

/**
 * A control command as the control-commands read model knows it, with its whole timeline: the
 * request (who, value, priority, expiry, schedule, heartbeat), the safety decision with its reasons,
 * each action (who, when) and each outcome (value, priority, read-back, cause, device message).
 */
export interface CommandStatusView {
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  /** Current status, from the timeline (see `COMMAND_STATUSES`). */
  readonly status: CommandStatus;
  readonly statusAt: Date;
  /** True once nothing more happens to it; no action is taken on an ended command. */
  readonly ended: boolean;
  readonly requestedBy: string | null;
  readonly requestedAt: Date | null;
  readonly value: number | null;
  readonly unit: ControlUnit | null;
  readonly priority: number | null;
  readonly expiresAt: Date | null;
  readonly schedule: ControlSchedule | null;
  readonly heartbeatSeconds: number | null;
  readonly reason: string | null;
  /** Whether the point needs a second principal's approval; null when its registration is not projected. */
  readonly requiresApproval: boolean | null;
  readonly approvalTimeoutSeconds: number | null;
  readonly decision: ControlVerdict | null;
  /** Why it was accepted or rejected, as the control-safety processor said it. */
  readonly decisionReasons: readonly DecisionReason[] | null;
  readonly approval: ApprovalView | null;
  readonly lastHeartbeatAt: Date | null;
  readonly outcome: OutcomeView | null;
  /** The latest outcome's device message (kept for callers of the first version). */
  readonly deviceMessage: string | null;
  /** Every event of the command, oldest first. */
  readonly history: readonly TimelineEntry[];
}

interface CommandDbRow {
  command_id: string;
  building_id: string;
  point_id: string;
  requested_by: string | null;
  requested_at: Date | null;
  value: number | null;
  unit: ControlUnit | null;
  priority: number | null;
  expires_at: Date | null;
  schedule: ControlSchedule | null;
  heartbeat_seconds: number | null;
  reason: string | null;
  decision: ControlVerdict | null;
  decision_reasons: readonly DecisionReason[] | null;
  requires_approval: boolean | null;
  approval_timeout_seconds: number | null;
}

interface HistoryDbRow {
  event_id: string;
  status: TimelineStep;
  occurred_at: Date;
  source: string;
  reasons: readonly DecisionReason[] | null;
  device_message: string | null;
  actor: string | null;
  action: CommandAction | null;
  note: string | null;
  value: number | null;
  priority: number | null;
  read_back: number | null;
  cause: OutcomeCause | null;
  source_topic: StatusHistoryRow['sourceTopic'];
  source_partition: number;
  source_offset: string;
}

const isApproval = (e: TimelineEntry): boolean => e.action === 'approve' || e.action === 'refuse';

/** What each event claims, by the projection's order, or null for a cancel or heartbeat. */
function claimOfEntry(e: TimelineEntry, eventId: string): StatusClaim | null {
  if (e.status === 'cancel_requested' || e.status === 'heartbeat') return null;
  if (
    e.sourceTopic === 'controlOutcomes' &&
    e.status === 'relinquished' &&
    e.cause === 'schedule_window_end'
  ) {
    return claimOf('relinquished', e.occurredAt, eventId, 4);
  }
  return claimOf(e.status, e.occurredAt, eventId);
}

/**
 * The timeline read as the gateway reads the log: an approval or refusal by the proposer is ignored,
 * only the first counting one decides, and a rejection ends the command whatever an approver said.
 * `accepted` on a point that requires approval reads as `awaiting_approval`.
 */
export function commandStatusOf(
  requestedBy: string | null,
  requiresApproval: boolean | null,
  entries: readonly (TimelineEntry & { readonly eventId: string })[],
): {
  status: CommandStatus;
  at: Date;
  ended: boolean;
  approval: ApprovalView | null;
  timeline: TimelineEntry[];
} {
  let approval: ApprovalView | null = null;
  let best: StatusClaim | null = null;
  let rejected = false;
  const timeline: TimelineEntry[] = [];
  for (const { eventId, ...entry } of entries) {
    let ignored: string | null = null;
    if (isApproval(entry)) {
      if (requestedBy !== null && entry.actor === requestedBy)
        ignored = 'by the proposer: approval needs a second principal';
      else if (approval !== null) ignored = `an approval decision was already taken by ${approval.actor}`;
      else {
        approval = {
          action: entry.action as ApprovalView['action'],
          actor: entry.actor ?? '',
          at: entry.occurredAt,
          reason: entry.note,
        };
      }
    }
    if (entry.status === 'rejected') rejected = true;
    timeline.push({ ...entry, ignored });
    const claim = ignored === null ? claimOfEntry(entry, eventId) : null;
    if (claim !== null && (best === null || compareClaims(claim, best) > 0)) best = claim;
  }
  if (best === null) throw new Error('a command has at least one status event');
  if (rejected && (best.status === 'approved' || best.status === 'approval_refused')) {
    const decision = entries.find((e) => e.status === 'rejected');
    if (decision !== undefined) best = claimOf('rejected', decision.occurredAt, decision.eventId);
  }
  const status: CommandStatus =
    best.status === 'accepted' && requiresApproval === true ? 'awaiting_approval' : best.status;
  return { status, at: best.at, ended: hasEnded(best), approval, timeline };
}

/** Status and whole timeline of one command; undefined when no event of it has been projected. */
export async function queryCommandStatus(
  db: pg.Pool | pg.ClientBase,
  commandId: string,
): Promise<CommandStatusView | undefined> {
  const [current, history] = await Promise.all([
    db.query<CommandDbRow>(
      `SELECT c.command_id, c.building_id, c.point_id, c.requested_by, c.requested_at, c.value, c.unit, c.priority,
              c.expires_at, c.schedule, c.heartbeat_seconds, c.reason, c.decision, c.decision_reasons,
              p.requires_approval, p.approval_timeout_seconds
         FROM control_commands c LEFT JOIN control_point_policies p ON p.point_id = c.point_id
        WHERE c.command_id = $1`,
      [commandId],
    ),
    db.query<HistoryDbRow>(
      `SELECT event_id::text, status, occurred_at, source, reasons, device_message, actor, action, note, value,
              priority, read_back, cause, source_topic, source_partition, source_offset::text
         FROM control_command_status_history
        WHERE command_id = $1
        ORDER BY occurred_at,
                 array_position(ARRAY['controlCommands', 'controlDecisions', 'controlActions', 'controlOutcomes'],
                                source_topic),
                 source_offset, event_id`,
      [commandId],
    ),
  ]);
  const row = current.rows[0];
  if (row === undefined) return undefined;
  const entries = history.rows.map((h) => ({
    eventId: h.event_id,
    status: h.status,
    occurredAt: h.occurred_at,
    source: h.source,
    reasons: h.reasons,
    deviceMessage: h.device_message,
    actor: h.actor,
    action: h.action,
    note: h.note,
    value: h.value,
    priority: h.priority,
    readBack: h.read_back,
    cause: h.cause,
    sourceTopic: h.source_topic,
    sourcePartition: h.source_partition,
    sourceOffset: h.source_offset,
    ignored: null,
  }));
  const { status, at, ended, approval, timeline } = commandStatusOf(
    row.requested_by,
    row.requires_approval,
    entries,
  );
  const outcomes = timeline.filter((e) => e.sourceTopic === 'controlOutcomes');
  const last = outcomes.at(-1);
  const heartbeats = timeline.filter((e) => e.action === 'heartbeat' && e.ignored === null);
  return {
    commandId: row.command_id,
    buildingId: row.building_id,
    pointId: row.point_id,
    status,
    statusAt: at,
    ended,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    value: row.value,
    unit: row.unit,
    priority: row.priority,
    expiresAt: row.expires_at,
    schedule: row.schedule,
    heartbeatSeconds: row.heartbeat_seconds,
    reason: row.reason,
    requiresApproval: row.requires_approval,
    approvalTimeoutSeconds: row.approval_timeout_seconds,
    decision: row.decision,
    decisionReasons: row.decision_reasons,
    approval,
    lastHeartbeatAt: heartbeats.at(-1)?.occurredAt ?? null,
    outcome:
      last === undefined
        ? null
        : {
            outcome: last.status as StoredCommandStatus,
            at: last.occurredAt,
            value: last.value,
            priority: last.priority,
            readBack: last.readBack,
            cause: last.cause,
            deviceMessage: last.deviceMessage,
          },
    deviceMessage: last?.deviceMessage ?? null,
    history: timeline,
  };
}
