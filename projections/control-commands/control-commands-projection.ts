import type pg from 'pg';
import type {
  CommandAction,
  CommandOutcome,
  ControlCommandAction,
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  ControlPointRegistered,
  ControlSchedule,
  ControlUnit,
  ControlVerdict,
  DecisionReason,
  OutcomeCause,
} from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';
import {
  COMMAND_STATUSES,
  claimOf,
  compareClaims,
  normaliseEventId,
  outcomeRank,
  type StatusClaim,
  type TimelineStep,
} from './command-status.ts';

type CommandTopic = 'controlCommands' | 'controlDecisions' | 'controlActions' | 'controlOutcomes';
type ControlTopic = CommandTopic | 'controlPoints';

/** What the request said; the earliest request of a command is kept. */
export interface RequestPart {
  readonly eventId: string;
  readonly requestedAt: Date;
  readonly requestedBy: string;
  readonly value: number;
  readonly unit: ControlUnit;
  readonly priority: number;
  readonly expiresAt: Date;
  readonly reason: string | null;
  readonly schedule: ControlSchedule | null;
  readonly heartbeatSeconds: number | null;
}

/** The verdict; the latest decision of a command is kept. */
export interface DecisionPart {
  readonly eventId: string;
  readonly decidedAt: Date;
  readonly decision: ControlVerdict;
  readonly reasons: readonly DecisionReason[];
}

/**
 * An approver's approval or refusal; the earliest is kept (an approval decision is final). It may be
 * one the proposer gave itself, which the gateway ignores: the query's status skips those.
 */
export interface ApprovalPart {
  readonly eventId: string;
  readonly at: Date;
  readonly action: 'approve' | 'refuse';
  readonly actor: string;
  readonly reason: string | null;
}

/** What the device did; the furthest outcome (by status order, then time) is kept. */
export interface OutcomePart {
  readonly eventId: string;
  readonly outcomeAt: Date;
  readonly outcome: CommandOutcome;
  readonly deviceMessage: string | null;
  readonly value: number | null;
  readonly priority: number | null;
  readonly readBack: number | null;
  readonly cause: OutcomeCause | null;
}

/**
 * One row of `control_commands`. Each part comes from its own topic, so a row may lack the request
 * while the decision or outcome is already known; `status` is the furthest status seen.
 */
export interface CommandRow {
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  readonly status: StatusClaim;
  readonly request: RequestPart | null;
  readonly decision: DecisionPart | null;
  readonly approval: ApprovalPart | null;
  readonly outcome: OutcomePart | null;
}

/** One row of `control_command_status_history`: one event of a command, with what it said. */
export interface StatusHistoryRow {
  readonly eventId: string;
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  /** The status the event claims, or the action that claims none (cancel_requested, heartbeat). */
  readonly status: TimelineStep;
  readonly occurredAt: Date;
  readonly source: string;
  /** Decision reasons (decisions only). */
  readonly reasons: readonly DecisionReason[] | null;
  /** What the device said (outcomes only). */
  readonly deviceMessage: string | null;
  /** The proposer (requests) or the principal who acted (actions). */
  readonly actor: string | null;
  /** The action taken (actions only). */
  readonly action: CommandAction | null;
  /** Why, in words (requests and actions). */
  readonly note: string | null;
  /** Value asked for (requests) or written (outcomes). */
  readonly value: number | null;
  /** Priority asked for (requests) or written/relinquished (outcomes). */
  readonly priority: number | null;
  /** Present value read back after a write or relinquish (outcomes). */
  readonly readBack: number | null;
  /** Why it was relinquished, expired or refused (outcomes). */
  readonly cause: OutcomeCause | null;
  readonly sourceTopic: CommandTopic;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** The approval policy of a point, from its latest registration (the topic is keyed by pointId). */
export interface PointPolicyRow {
  readonly pointId: string;
  readonly buildingId: string;
  readonly requiresApproval: boolean;
  readonly approvalTimeoutSeconds: number | null;
  readonly gatewayId: string | null;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's changes: one merged row per command, one history row per event, one policy per point. */
export interface ControlCommandsChanges {
  readonly commands: Map<string, CommandRow>;
  readonly history: Map<string, StatusHistoryRow>;
  readonly points: Map<string, PointPolicyRow>;
}

const earlierRequest = (a: RequestPart, b: RequestPart): boolean =>
  a.requestedAt.getTime() !== b.requestedAt.getTime() ? a.requestedAt < b.requestedAt : a.eventId < b.eventId;

const laterDecision = (a: DecisionPart, b: DecisionPart): boolean =>
  a.decidedAt.getTime() !== b.decidedAt.getTime() ? a.decidedAt > b.decidedAt : a.eventId > b.eventId;

const earlierApproval = (a: ApprovalPart, b: ApprovalPart): boolean =>
  a.at.getTime() !== b.at.getTime() ? a.at < b.at : a.eventId < b.eventId;

const outcomeClaim = (o: OutcomePart): StatusClaim =>
  claimOf(o.outcome, o.outcomeAt, o.eventId, outcomeRank(o.outcome, o.cause));

/** Whether `a` is further along the log than `b` (one point's registrations share a partition). */
const laterPosition = (a: PointPolicyRow, b: PointPolicyRow): boolean => {
  const ao = BigInt(a.sourceOffset);
  const bo = BigInt(b.sourceOffset);
  return ao !== bo ? ao > bo : a.sourcePartition > b.sourcePartition;
};

function pick<T>(a: T | null, b: T | null, better: (x: T, y: T) => boolean): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return better(b, a) ? b : a;
}

/**
 * Combines two partial rows of one command. Commutative and associative, so neither batch cuts nor
 * the order the topics are consumed in change the result; `apply` does the same in SQL.
 */
export function mergeCommandRows(a: CommandRow, b: CommandRow): CommandRow {
  return {
    commandId: a.commandId,
    buildingId: a.buildingId,
    pointId: a.pointId,
    status: compareClaims(b.status, a.status) > 0 ? b.status : a.status,
    request: pick(a.request, b.request, earlierRequest),
    decision: pick(a.decision, b.decision, laterDecision),
    approval: pick(a.approval, b.approval, earlierApproval),
    outcome: pick(a.outcome, b.outcome, (x, y) => compareClaims(outcomeClaim(x), outcomeClaim(y)) > 0),
  };
}

const EMPTY = { request: null, decision: null, approval: null, outcome: null } as const;

function fromRequest(e: ControlCommandRequested): CommandRow {
  return {
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    status: claimOf('requested', e.occurredAt, e.eventId),
    ...EMPTY,
    request: {
      eventId: normaliseEventId(e.eventId),
      requestedAt: e.occurredAt,
      requestedBy: e.requestedBy,
      value: e.value,
      unit: e.unit,
      priority: e.priority,
      expiresAt: e.expiresAt,
      reason: e.reason ?? null,
      schedule: e.schedule ?? null,
      heartbeatSeconds: e.heartbeatSeconds ?? null,
    },
  };
}

function fromDecision(e: ControlDecision): CommandRow {
  return {
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    status: claimOf(e.decision, e.occurredAt, e.eventId),
    ...EMPTY,
    decision: {
      eventId: normaliseEventId(e.eventId),
      decidedAt: e.occurredAt,
      decision: e.decision,
      reasons: e.reasons ?? [],
    },
  };
}

/** An approval or refusal claims a status; a cancel or heartbeat only joins the history (null). */
function fromAction(e: ControlCommandAction): CommandRow | null {
  if (e.action !== 'approve' && e.action !== 'refuse') return null;
  return {
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    status: claimOf(e.action === 'approve' ? 'approved' : 'approval_refused', e.occurredAt, e.eventId),
    ...EMPTY,
    approval: {
      eventId: normaliseEventId(e.eventId),
      at: e.occurredAt,
      action: e.action,
      actor: e.actor,
      reason: e.reason ?? null,
    },
  };
}

function fromOutcome(e: ControlOutcome): CommandRow {
  const outcome: OutcomePart = {
    eventId: normaliseEventId(e.eventId),
    outcomeAt: e.occurredAt,
    outcome: e.outcome,
    deviceMessage: e.deviceMessage ?? null,
    value: e.value ?? null,
    priority: e.priority ?? null,
    readBack: e.readBack ?? null,
    cause: e.cause ?? null,
  };
  return {
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    status: outcomeClaim(outcome),
    ...EMPTY,
    outcome,
  };
}

const NO_DETAILS = {
  reasons: null,
  deviceMessage: null,
  actor: null,
  action: null,
  note: null,
  value: null,
  priority: null,
  readBack: null,
  cause: null,
} as const;

/** The history row of one command event. */
function historyOf(input: ProjectionEvent<CommandTopic>): StatusHistoryRow {
  const e = input.event;
  const common = {
    eventId: normaliseEventId(e.eventId),
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    occurredAt: e.occurredAt,
    source: e.source,
    sourceTopic: input.topic,
    sourcePartition: input.partition,
    sourceOffset: input.offset,
    ...NO_DETAILS,
  };
  switch (input.topic) {
    case 'controlCommands':
      return {
        ...common,
        status: 'requested',
        actor: input.event.requestedBy,
        note: input.event.reason ?? null,
        value: input.event.value,
        priority: input.event.priority,
      };
    case 'controlDecisions':
      return { ...common, status: input.event.decision, reasons: input.event.reasons ?? [] };
    case 'controlActions': {
      const a = input.event;
      const status: TimelineStep =
        a.action === 'approve'
          ? 'approved'
          : a.action === 'refuse'
            ? 'approval_refused'
            : a.action === 'cancel'
              ? 'cancel_requested'
              : 'heartbeat';
      return { ...common, status, actor: a.actor, action: a.action, note: a.reason ?? null };
    }
    case 'controlOutcomes': {
      const o = input.event;
      return {
        ...common,
        status: o.outcome,
        deviceMessage: o.deviceMessage ?? null,
        value: o.value ?? null,
        priority: o.priority ?? null,
        readBack: o.readBack ?? null,
        cause: o.cause ?? null,
      };
    }
  }
}

function rowOf(input: ProjectionEvent<CommandTopic>): CommandRow | null {
  switch (input.topic) {
    case 'controlCommands':
      return fromRequest(input.event);
    case 'controlDecisions':
      return fromDecision(input.event);
    case 'controlActions':
      return fromAction(input.event);
    case 'controlOutcomes':
      return fromOutcome(input.event);
  }
}

function policyOf(e: ControlPointRegistered, partition: number, offset: string): PointPolicyRow {
  return {
    pointId: e.pointId,
    buildingId: e.buildingId,
    requiresApproval: e.requiresApproval ?? false,
    approvalTimeoutSeconds: e.approvalTimeoutSeconds ?? null,
    gatewayId: e.gatewayId ?? null,
    sourcePartition: partition,
    sourceOffset: offset,
  };
}

function keepPolicy(points: Map<string, PointPolicyRow>, row: PointPolicyRow): void {
  const seen = points.get(row.pointId);
  if (seen === undefined || laterPosition(row, seen)) points.set(row.pointId, row);
}

function mergeRow(commands: Map<string, CommandRow>, row: CommandRow): void {
  const seen = commands.get(row.commandId);
  commands.set(row.commandId, seen === undefined ? row : mergeCommandRows(seen, row));
}

/**
 * The batch fold: merges each command event into its command's row and records it in the history;
 * keeps each point's latest approval policy (from its registration).
 */
export function evolveControlCommands(
  state: ControlCommandsChanges,
  input: ProjectionEvent<ControlTopic>,
): ControlCommandsChanges {
  if (input.topic === 'controlPoints') {
    keepPolicy(state.points, policyOf(input.event, input.partition, input.offset));
    return state;
  }
  const row = rowOf(input);
  if (row !== null) mergeRow(state.commands, row);
  const history = historyOf(input);
  if (!state.history.has(history.eventId)) state.history.set(history.eventId, history);
  return state;
}

/** What `apply` does to stored rows, as a pure function. */
export function mergeControlCommandsChanges(
  earlier: ControlCommandsChanges,
  later: ControlCommandsChanges,
): ControlCommandsChanges {
  const commands = new Map(earlier.commands);
  for (const row of later.commands.values()) mergeRow(commands, row);
  const history = new Map(earlier.history);
  for (const [id, row] of later.history) if (!history.has(id)) history.set(id, row);
  const points = new Map(earlier.points);
  for (const row of later.points.values()) keepPolicy(points, row);
  return { commands, history, points };
}

const STATUS_CHECK = COMMAND_STATUSES.filter((s) => s !== 'awaiting_approval')
  .map((s) => `'${s}'`)
  .join(', ');

const DDL = `
CREATE TABLE IF NOT EXISTS control_commands (
  command_id        text PRIMARY KEY,
  building_id       text NOT NULL,
  point_id          text NOT NULL,
  status            text NOT NULL,
  status_rank       smallint NOT NULL,
  status_at         timestamptz NOT NULL,
  status_event_id   uuid NOT NULL,
  request_event_id  uuid,
  requested_at      timestamptz,
  requested_by      text,
  value             double precision,
  unit              text,
  priority          integer,
  expires_at        timestamptz,
  reason            text,
  decision_event_id uuid,
  decided_at        timestamptz,
  decision          text,
  decision_reasons  jsonb,
  outcome_event_id  uuid,
  outcome_at        timestamptz,
  outcome           text,
  outcome_rank      smallint,
  device_message    text,
  schedule          jsonb,
  heartbeat_seconds integer,
  approval_event_id uuid,
  approval_at       timestamptz,
  approval_action   text,
  approved_by       text,
  approval_reason   text,
  outcome_value     double precision,
  outcome_priority  integer,
  read_back         double precision,
  outcome_cause     text,
  CONSTRAINT control_commands_status CHECK (status IN (${STATUS_CHECK}))
);
CREATE INDEX IF NOT EXISTS control_commands_building_time ON control_commands (building_id, status_at DESC);
CREATE INDEX IF NOT EXISTS control_commands_point_time ON control_commands (point_id, status_at DESC);

CREATE TABLE IF NOT EXISTS control_command_status_history (
  event_id         uuid PRIMARY KEY,
  command_id       text NOT NULL,
  building_id      text NOT NULL,
  point_id         text NOT NULL,
  status           text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  source           text NOT NULL,
  reasons          jsonb,
  device_message   text,
  source_topic     text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  actor            text,
  action           text,
  note             text,
  value            double precision,
  priority         integer,
  read_back        double precision,
  cause            text
);
CREATE INDEX IF NOT EXISTS control_command_status_history_command
  ON control_command_status_history (command_id, occurred_at);

CREATE TABLE IF NOT EXISTS control_point_policies (
  point_id                 text PRIMARY KEY,
  building_id              text NOT NULL,
  requires_approval        boolean NOT NULL,
  approval_timeout_seconds integer,
  gateway_id               text,
  source_partition         integer NOT NULL,
  source_offset            bigint NOT NULL
);
`;

/** A guarded assignment: the column takes the incoming value only when `when` holds for the row. */
const setWhen = (when: string, columns: readonly string[]): string[] =>
  columns.map((c) => `${c} = CASE WHEN ${when} THEN excluded.${c} ELSE control_commands.${c} END`);

const C = 'control_commands';
const STATUS_WINS = `(${C}.status_rank, ${C}.status_at, ${C}.status_event_id)
  < (excluded.status_rank, excluded.status_at, excluded.status_event_id)`;
const REQUEST_WINS = `excluded.request_event_id IS NOT NULL AND (${C}.request_event_id IS NULL
  OR (excluded.requested_at, excluded.request_event_id) < (${C}.requested_at, ${C}.request_event_id))`;
const DECISION_WINS = `excluded.decision_event_id IS NOT NULL AND (${C}.decision_event_id IS NULL
  OR (${C}.decided_at, ${C}.decision_event_id) < (excluded.decided_at, excluded.decision_event_id))`;
const APPROVAL_WINS = `excluded.approval_event_id IS NOT NULL AND (${C}.approval_event_id IS NULL
  OR (excluded.approval_at, excluded.approval_event_id) < (${C}.approval_at, ${C}.approval_event_id))`;
const OUTCOME_WINS = `excluded.outcome_event_id IS NOT NULL AND (${C}.outcome_event_id IS NULL
  OR (${C}.outcome_rank, ${C}.outcome_at, ${C}.outcome_event_id)
   < (excluded.outcome_rank, excluded.outcome_at, excluded.outcome_event_id))`;

const REQUEST_COLUMNS = [
  'request_event_id',
  'requested_at',
  'requested_by',
  'value',
  'unit',
  'priority',
  'expires_at',
  'reason',
  'schedule',
  'heartbeat_seconds',
] as const;
const DECISION_COLUMNS = ['decision_event_id', 'decided_at', 'decision', 'decision_reasons'] as const;
const APPROVAL_COLUMNS = [
  'approval_event_id',
  'approval_at',
  'approval_action',
  'approved_by',
  'approval_reason',
] as const;
const OUTCOME_COLUMNS = [
  'outcome_event_id',
  'outcome_at',
  'outcome',
  'outcome_rank',
  'device_message',
  'outcome_value',
  'outcome_priority',
  'read_back',
  'outcome_cause',
] as const;

/** Every column of `control_commands` with its array type, in the order `upsertCommands` passes them. */
const COMMAND_COLUMNS: readonly (readonly [string, string])[] = [
  ['command_id', 'text'],
  ['building_id', 'text'],
  ['point_id', 'text'],
  ['status', 'text'],
  ['status_rank', 'smallint'],
  ['status_at', 'timestamptz'],
  ['status_event_id', 'uuid'],
  ['request_event_id', 'uuid'],
  ['requested_at', 'timestamptz'],
  ['requested_by', 'text'],
  ['value', 'float8'],
  ['unit', 'text'],
  ['priority', 'int'],
  ['expires_at', 'timestamptz'],
  ['reason', 'text'],
  ['schedule', 'jsonb'],
  ['heartbeat_seconds', 'int'],
  ['decision_event_id', 'uuid'],
  ['decided_at', 'timestamptz'],
  ['decision', 'text'],
  ['decision_reasons', 'jsonb'],
  ['approval_event_id', 'uuid'],
  ['approval_at', 'timestamptz'],
  ['approval_action', 'text'],
  ['approved_by', 'text'],
  ['approval_reason', 'text'],
  ['outcome_event_id', 'uuid'],
  ['outcome_at', 'timestamptz'],
  ['outcome', 'text'],
  ['outcome_rank', 'smallint'],
  ['device_message', 'text'],
  ['outcome_value', 'float8'],
  ['outcome_priority', 'int'],
  ['read_back', 'float8'],
  ['outcome_cause', 'text'],
];

const UPSERT_COMMANDS = `
INSERT INTO control_commands (${COMMAND_COLUMNS.map(([c]) => c).join(', ')})
SELECT * FROM unnest(${COMMAND_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
ON CONFLICT (command_id) DO UPDATE SET
  ${[
    ...setWhen(STATUS_WINS, ['status', 'status_rank', 'status_at', 'status_event_id']),
    ...setWhen(REQUEST_WINS, REQUEST_COLUMNS),
    ...setWhen(DECISION_WINS, DECISION_COLUMNS),
    ...setWhen(APPROVAL_WINS, APPROVAL_COLUMNS),
    ...setWhen(OUTCOME_WINS, OUTCOME_COLUMNS),
  ].join(',\n  ')}`;

const iso = (d: Date | undefined): string | null => d?.toISOString() ?? null;
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

async function upsertCommands(client: pg.ClientBase, rows: readonly CommandRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values: Record<string, (r: CommandRow) => unknown> = {
    command_id: (r) => r.commandId,
    building_id: (r) => r.buildingId,
    point_id: (r) => r.pointId,
    status: (r) => r.status.status,
    status_rank: (r) => r.status.rank,
    status_at: (r) => r.status.at.toISOString(),
    status_event_id: (r) => r.status.eventId,
    request_event_id: (r) => r.request?.eventId ?? null,
    requested_at: (r) => iso(r.request?.requestedAt),
    requested_by: (r) => r.request?.requestedBy ?? null,
    value: (r) => r.request?.value ?? null,
    unit: (r) => r.request?.unit ?? null,
    priority: (r) => r.request?.priority ?? null,
    expires_at: (r) => iso(r.request?.expiresAt),
    reason: (r) => r.request?.reason ?? null,
    schedule: (r) => json(r.request?.schedule),
    heartbeat_seconds: (r) => r.request?.heartbeatSeconds ?? null,
    decision_event_id: (r) => r.decision?.eventId ?? null,
    decided_at: (r) => iso(r.decision?.decidedAt),
    decision: (r) => r.decision?.decision ?? null,
    decision_reasons: (r) => json(r.decision?.reasons),
    approval_event_id: (r) => r.approval?.eventId ?? null,
    approval_at: (r) => iso(r.approval?.at),
    approval_action: (r) => r.approval?.action ?? null,
    approved_by: (r) => r.approval?.actor ?? null,
    approval_reason: (r) => r.approval?.reason ?? null,
    outcome_event_id: (r) => r.outcome?.eventId ?? null,
    outcome_at: (r) => iso(r.outcome?.outcomeAt),
    outcome: (r) => r.outcome?.outcome ?? null,
    outcome_rank: (r) => (r.outcome ? outcomeRank(r.outcome.outcome, r.outcome.cause) : null),
    device_message: (r) => r.outcome?.deviceMessage ?? null,
    outcome_value: (r) => r.outcome?.value ?? null,
    outcome_priority: (r) => r.outcome?.priority ?? null,
    read_back: (r) => r.outcome?.readBack ?? null,
    outcome_cause: (r) => r.outcome?.cause ?? null,
  };
  await client.query(
    UPSERT_COMMANDS,
    COMMAND_COLUMNS.map(([column]) => rows.map((r) => (values[column] as (r: CommandRow) => unknown)(r))),
  );
}

async function insertHistory(client: pg.ClientBase, rows: readonly StatusHistoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO control_command_status_history (event_id, command_id, building_id, point_id, status, occurred_at,
       source, reasons, device_message, source_topic, source_partition, source_offset,
       actor, action, note, value, priority, read_back, cause)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
       $8::jsonb[], $9::text[], $10::text[], $11::int[], $12::bigint[],
       $13::text[], $14::text[], $15::text[], $16::float8[], $17::int[], $18::float8[], $19::text[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      rows.map((r) => r.eventId),
      rows.map((r) => r.commandId),
      rows.map((r) => r.buildingId),
      rows.map((r) => r.pointId),
      rows.map((r) => r.status),
      rows.map((r) => r.occurredAt.toISOString()),
      rows.map((r) => r.source),
      rows.map((r) => json(r.reasons)),
      rows.map((r) => r.deviceMessage),
      rows.map((r) => r.sourceTopic),
      rows.map((r) => r.sourcePartition),
      rows.map((r) => r.sourceOffset),
      rows.map((r) => r.actor),
      rows.map((r) => r.action),
      rows.map((r) => r.note),
      rows.map((r) => r.value),
      rows.map((r) => r.priority),
      rows.map((r) => r.readBack),
      rows.map((r) => r.cause),
    ],
  );
}

async function upsertPolicies(client: pg.ClientBase, rows: readonly PointPolicyRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO control_point_policies (point_id, building_id, requires_approval, approval_timeout_seconds,
       gateway_id, source_partition, source_offset)
     SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[], $4::int[], $5::text[], $6::int[], $7::bigint[])
     ON CONFLICT (point_id) DO UPDATE SET
       building_id = excluded.building_id,
       requires_approval = excluded.requires_approval,
       approval_timeout_seconds = excluded.approval_timeout_seconds,
       gateway_id = excluded.gateway_id,
       source_partition = excluded.source_partition,
       source_offset = excluded.source_offset
     WHERE (control_point_policies.source_offset, control_point_policies.source_partition)
         < (excluded.source_offset, excluded.source_partition)`,
    [
      rows.map((r) => r.pointId),
      rows.map((r) => r.buildingId),
      rows.map((r) => r.requiresApproval),
      rows.map((r) => r.approvalTimeoutSeconds),
      rows.map((r) => r.gatewayId),
      rows.map((r) => r.sourcePartition),
      rows.map((r) => r.sourceOffset),
    ],
  );
}

/**
 * Control commands with their current status (requested, accepted/rejected, approved/refused,
 * acknowledged/failed, relinquished/expired/refused; never moving backwards, see `STATUS_RANK`), one
 * history row per event of a command (request, decision, each action, each outcome) and each point's
 * approval policy, which the query reads to tell `accepted` from `awaiting_approval`.
 */
export const controlCommandsProjection: PostgresProjection<ControlTopic, ControlCommandsChanges> = {
  store: 'postgres',
  name: 'control-commands',
  description:
    'Control commands with their current status (never moving backwards), every request, decision, action and outcome, and the approval policy of each point.',
  handles: ['controlCommands', 'controlDecisions', 'controlActions', 'controlOutcomes', 'controlPoints'],
  initial: () => ({ commands: new Map(), history: new Map(), points: new Map() }),
  evolve: evolveControlCommands,
  ddl: () => DDL,
  readerViews: ['control_commands', 'control_command_status_history', 'control_point_policies'],
  async apply(client, changes) {
    await upsertCommands(client, [...changes.commands.values()]);
    await insertHistory(client, [...changes.history.values()]);
    await upsertPolicies(client, [...changes.points.values()]);
  },
};
