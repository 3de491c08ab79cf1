import type pg from 'pg';
import type {
  CommandOutcome,
  ControlCommandRequested,
  ControlDecision,
  ControlOutcome,
  ControlUnit,
  ControlVerdict,
  DecisionReason,
} from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';
import {
  type CommandStatus,
  claimOf,
  compareClaims,
  normaliseEventId,
  STATUS_RANK,
  type StatusClaim,
} from './command-status.ts';

type ControlTopic = 'controlCommands' | 'controlDecisions' | 'controlOutcomes';

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
}

/** The verdict; the latest decision of a command is kept. */
export interface DecisionPart {
  readonly eventId: string;
  readonly decidedAt: Date;
  readonly decision: ControlVerdict;
  readonly reasons: readonly DecisionReason[];
}

/** What the device did; the furthest outcome (by status order) is kept. */
export interface OutcomePart {
  readonly eventId: string;
  readonly outcomeAt: Date;
  readonly outcome: CommandOutcome;
  readonly deviceMessage: string | null;
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
  readonly outcome: OutcomePart | null;
}

/** One row of `control_command_status_history`: one status event. */
export interface StatusHistoryRow {
  readonly eventId: string;
  readonly commandId: string;
  readonly buildingId: string;
  readonly pointId: string;
  readonly status: CommandStatus;
  readonly occurredAt: Date;
  readonly source: string;
  /** Decision reasons (decisions only). */
  readonly reasons: readonly DecisionReason[] | null;
  /** What the device said (outcomes only). */
  readonly deviceMessage: string | null;
  readonly sourceTopic: ControlTopic;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's changes: one merged row per command, one history row per event. */
export interface ControlCommandsChanges {
  readonly commands: Map<string, CommandRow>;
  readonly history: Map<string, StatusHistoryRow>;
}

const earlierRequest = (a: RequestPart, b: RequestPart): boolean =>
  a.requestedAt.getTime() !== b.requestedAt.getTime() ? a.requestedAt < b.requestedAt : a.eventId < b.eventId;

const laterDecision = (a: DecisionPart, b: DecisionPart): boolean =>
  a.decidedAt.getTime() !== b.decidedAt.getTime() ? a.decidedAt > b.decidedAt : a.eventId > b.eventId;

const outcomeClaim = (o: OutcomePart): StatusClaim => claimOf(o.outcome, o.outcomeAt, o.eventId);

function pick<T>(a: T | null, b: T | null, better: (x: T, y: T) => boolean): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return better(b, a) ? b : a;
}

/**
 * Combines two partial rows of one command. Commutative and associative, so neither batch cuts nor
 * the order the three topics are consumed in change the result; `apply` does the same in SQL.
 */
export function mergeCommandRows(a: CommandRow, b: CommandRow): CommandRow {
  return {
    commandId: a.commandId,
    buildingId: a.buildingId,
    pointId: a.pointId,
    status: compareClaims(b.status, a.status) > 0 ? b.status : a.status,
    request: pick(a.request, b.request, earlierRequest),
    decision: pick(a.decision, b.decision, laterDecision),
    outcome: pick(a.outcome, b.outcome, (x, y) => compareClaims(outcomeClaim(x), outcomeClaim(y)) > 0),
  };
}

interface Folded {
  readonly row: CommandRow;
  readonly history: StatusHistoryRow;
}

function fromRequest(e: ControlCommandRequested): CommandRow {
  return {
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    status: claimOf('requested', e.occurredAt, e.eventId),
    request: {
      eventId: normaliseEventId(e.eventId),
      requestedAt: e.occurredAt,
      requestedBy: e.requestedBy,
      value: e.value,
      unit: e.unit,
      priority: e.priority,
      expiresAt: e.expiresAt,
      reason: e.reason ?? null,
    },
    decision: null,
    outcome: null,
  };
}

function fromDecision(e: ControlDecision): CommandRow {
  return {
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    status: claimOf(e.decision, e.occurredAt, e.eventId),
    request: null,
    decision: {
      eventId: normaliseEventId(e.eventId),
      decidedAt: e.occurredAt,
      decision: e.decision,
      reasons: e.reasons ?? [],
    },
    outcome: null,
  };
}

function fromOutcome(e: ControlOutcome): CommandRow {
  return {
    commandId: e.commandId,
    buildingId: e.buildingId,
    pointId: e.pointId,
    status: claimOf(e.outcome, e.occurredAt, e.eventId),
    request: null,
    decision: null,
    outcome: {
      eventId: normaliseEventId(e.eventId),
      outcomeAt: e.occurredAt,
      outcome: e.outcome,
      deviceMessage: e.deviceMessage ?? null,
    },
  };
}

function fold(input: ProjectionEvent<ControlTopic>): Folded {
  const row =
    input.topic === 'controlCommands'
      ? fromRequest(input.event)
      : input.topic === 'controlDecisions'
        ? fromDecision(input.event)
        : fromOutcome(input.event);
  return {
    row,
    history: {
      eventId: normaliseEventId(input.event.eventId),
      commandId: row.commandId,
      buildingId: row.buildingId,
      pointId: row.pointId,
      status: row.status.status,
      occurredAt: input.event.occurredAt,
      source: input.event.source,
      reasons: row.decision?.reasons ?? null,
      deviceMessage: row.outcome?.deviceMessage ?? null,
      sourceTopic: input.topic,
      sourcePartition: input.partition,
      sourceOffset: input.offset,
    },
  };
}

/** The batch fold: merges each status event into its command's row and records it in the history. */
export function evolveControlCommands(
  state: ControlCommandsChanges,
  input: ProjectionEvent<ControlTopic>,
): ControlCommandsChanges {
  const { row, history } = fold(input);
  const seen = state.commands.get(row.commandId);
  state.commands.set(row.commandId, seen === undefined ? row : mergeCommandRows(seen, row));
  if (!state.history.has(history.eventId)) state.history.set(history.eventId, history);
  return state;
}

/** What `apply` does to stored rows, as a pure function. */
export function mergeControlCommandsChanges(
  earlier: ControlCommandsChanges,
  later: ControlCommandsChanges,
): ControlCommandsChanges {
  const commands = new Map(earlier.commands);
  for (const [id, row] of later.commands) {
    const seen = commands.get(id);
    commands.set(id, seen === undefined ? row : mergeCommandRows(seen, row));
  }
  const history = new Map(earlier.history);
  for (const [id, row] of later.history) if (!history.has(id)) history.set(id, row);
  return { commands, history };
}

/** The status order in SQL, from the one table above, for the outcome rank column. */
const STATUS_RANK_CHECK = Object.entries(STATUS_RANK)
  .map(([status, rank]) => `(status = '${status}' AND status_rank = ${rank})`)
  .join(' OR ');

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
  CONSTRAINT control_commands_status_rank CHECK (${STATUS_RANK_CHECK})
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
  source_offset    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS control_command_status_history_command
  ON control_command_status_history (command_id, occurred_at);
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
const OUTCOME_WINS = `excluded.outcome_event_id IS NOT NULL AND (${C}.outcome_event_id IS NULL
  OR (${C}.outcome_rank, ${C}.outcome_at, ${C}.outcome_event_id)
   < (excluded.outcome_rank, excluded.outcome_at, excluded.outcome_event_id))`;

const UPSERT_COMMANDS = `
INSERT INTO control_commands (command_id, building_id, point_id, status, status_rank, status_at, status_event_id,
  request_event_id, requested_at, requested_by, value, unit, priority, expires_at, reason,
  decision_event_id, decided_at, decision, decision_reasons,
  outcome_event_id, outcome_at, outcome, outcome_rank, device_message)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::timestamptz[], $7::uuid[],
  $8::uuid[], $9::timestamptz[], $10::text[], $11::float8[], $12::text[], $13::int[], $14::timestamptz[], $15::text[],
  $16::uuid[], $17::timestamptz[], $18::text[], $19::jsonb[],
  $20::uuid[], $21::timestamptz[], $22::text[], $23::smallint[], $24::text[])
ON CONFLICT (command_id) DO UPDATE SET
  ${[
    ...setWhen(STATUS_WINS, ['status', 'status_rank', 'status_at', 'status_event_id']),
    ...setWhen(REQUEST_WINS, [
      'request_event_id',
      'requested_at',
      'requested_by',
      'value',
      'unit',
      'priority',
      'expires_at',
      'reason',
    ]),
    ...setWhen(DECISION_WINS, ['decision_event_id', 'decided_at', 'decision', 'decision_reasons']),
    ...setWhen(OUTCOME_WINS, ['outcome_event_id', 'outcome_at', 'outcome', 'outcome_rank', 'device_message']),
  ].join(',\n  ')}`;

async function upsertCommands(client: pg.ClientBase, rows: readonly CommandRow[]): Promise<void> {
  if (rows.length === 0) return;
  const iso = (d: Date | undefined): string | null => d?.toISOString() ?? null;
  await client.query(UPSERT_COMMANDS, [
    rows.map((r) => r.commandId),
    rows.map((r) => r.buildingId),
    rows.map((r) => r.pointId),
    rows.map((r) => r.status.status),
    rows.map((r) => r.status.rank),
    rows.map((r) => r.status.at.toISOString()),
    rows.map((r) => r.status.eventId),
    rows.map((r) => r.request?.eventId ?? null),
    rows.map((r) => iso(r.request?.requestedAt)),
    rows.map((r) => r.request?.requestedBy ?? null),
    rows.map((r) => r.request?.value ?? null),
    rows.map((r) => r.request?.unit ?? null),
    rows.map((r) => r.request?.priority ?? null),
    rows.map((r) => iso(r.request?.expiresAt)),
    rows.map((r) => r.request?.reason ?? null),
    rows.map((r) => r.decision?.eventId ?? null),
    rows.map((r) => iso(r.decision?.decidedAt)),
    rows.map((r) => r.decision?.decision ?? null),
    rows.map((r) => (r.decision ? JSON.stringify(r.decision.reasons) : null)),
    rows.map((r) => r.outcome?.eventId ?? null),
    rows.map((r) => iso(r.outcome?.outcomeAt)),
    rows.map((r) => r.outcome?.outcome ?? null),
    rows.map((r) => (r.outcome ? STATUS_RANK[r.outcome.outcome] : null)),
    rows.map((r) => r.outcome?.deviceMessage ?? null),
  ]);
}

async function insertHistory(client: pg.ClientBase, rows: readonly StatusHistoryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO control_command_status_history (event_id, command_id, building_id, point_id, status, occurred_at,
       source, reasons, device_message, source_topic, source_partition, source_offset)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
       $8::jsonb[], $9::text[], $10::text[], $11::int[], $12::bigint[])
     ON CONFLICT (event_id) DO NOTHING`,
    [
      rows.map((r) => r.eventId),
      rows.map((r) => r.commandId),
      rows.map((r) => r.buildingId),
      rows.map((r) => r.pointId),
      rows.map((r) => r.status),
      rows.map((r) => r.occurredAt.toISOString()),
      rows.map((r) => r.source),
      rows.map((r) => (r.reasons === null ? null : JSON.stringify(r.reasons))),
      rows.map((r) => r.deviceMessage),
      rows.map((r) => r.sourceTopic),
      rows.map((r) => r.sourcePartition),
      rows.map((r) => r.sourceOffset),
    ],
  );
}

/**
 * Control commands with their current status (requested, accepted/rejected, acknowledged/failed,
 * relinquished; never moving backwards, see `STATUS_RANK`) and one history row per status event.
 */
export const controlCommandsProjection: PostgresProjection<ControlTopic, ControlCommandsChanges> = {
  store: 'postgres',
  name: 'control-commands',
  description:
    'Control commands with their current status (never moving backwards) and the history of every status event.',
  handles: ['controlCommands', 'controlDecisions', 'controlOutcomes'],
  initial: () => ({ commands: new Map(), history: new Map() }),
  evolve: evolveControlCommands,
  ddl: () => DDL,
  readerViews: ['control_commands', 'control_command_status_history'],
  async apply(client, changes) {
    await upsertCommands(client, [...changes.commands.values()]);
    await insertHistory(client, [...changes.history.values()]);
  },
};
