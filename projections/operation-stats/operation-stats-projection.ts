import type pg from 'pg';
import type { OperationRecorded } from '../../schemas/index.ts';
import { MINUTE_MS } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** One recorded operation, keyed by its event id. */
export interface OperationRow {
  readonly eventId: string;
  /** `occurredAt` truncated to the UTC minute. */
  readonly minute: Date;
  readonly component: string;
  readonly operation: string;
  readonly outcome: OperationRecorded['outcome'];
  readonly errorCode: string | null;
  readonly durationMs: number;
}

/** One batch's operations, at most one per event id. */
export interface OperationStatsChanges {
  readonly rows: Map<string, OperationRow>;
}

/** The UTC minute an instant falls in. */
export function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
}

/** The batch fold: one row per event id; a copy further along the log (a producer retry) adds nothing. */
export function evolveOperationStats(
  state: OperationStatsChanges,
  input: ProjectionEvent<'telemetry'>,
): OperationStatsChanges {
  const e = input.event;
  if (!state.rows.has(e.eventId)) {
    state.rows.set(e.eventId, {
      eventId: e.eventId,
      minute: minuteOf(e.occurredAt),
      component: e.component,
      operation: e.operation,
      outcome: e.outcome,
      errorCode: e.errorCode ?? null,
      durationMs: e.durationMs,
    });
  }
  return state;
}

/** Per-minute figures of one operation, as the `operation_stats` view gives them. */
export interface OperationMinute {
  readonly minute: Date;
  readonly component: string;
  readonly operation: string;
  readonly calls: number;
  readonly errors: number;
  readonly totalDurationMs: number;
  readonly maxDurationMs: number;
}

/** What `operation_stats` holds for a set of rows, as a pure function (the view's GROUP BY). */
export function operationMinutes(rows: Iterable<OperationRow>): OperationMinute[] {
  const byKey = new Map<string, OperationMinute>();
  for (const r of rows) {
    const key = `${r.minute.toISOString()}|${r.component}|${r.operation}`;
    const seen = byKey.get(key);
    byKey.set(key, {
      minute: r.minute,
      component: r.component,
      operation: r.operation,
      calls: (seen?.calls ?? 0) + 1,
      errors: (seen?.errors ?? 0) + (r.outcome === 'error' ? 1 : 0),
      totalDurationMs: (seen?.totalDurationMs ?? 0) + r.durationMs,
      maxDurationMs: Math.max(seen?.maxDurationMs ?? 0, r.durationMs),
    });
  }
  return [...byKey.values()];
}

// Rows keyed by event id, counted by the view: an insert that finds its id is a no-op, so whatever
// re-applies an event (a replay to a datetime over existing rows, a producer retry's duplicate)
// cannot count it twice. Counters bumped by upsert would need exactly this id table anyway to know
// which events they had counted, so the view over it is the simpler of the two.
const DDL = `
CREATE TABLE IF NOT EXISTS operations (
  event_id    uuid PRIMARY KEY,
  minute      timestamptz NOT NULL,
  component   text NOT NULL,
  operation   text NOT NULL,
  outcome     text NOT NULL,
  error_code  text,
  duration_ms double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS operations_operation_minute ON operations (operation, minute DESC);
CREATE INDEX IF NOT EXISTS operations_minute ON operations (minute DESC);
CREATE OR REPLACE VIEW operation_stats AS
  SELECT minute, component, operation,
         count(*)::int AS calls,
         (count(*) FILTER (WHERE outcome = 'error'))::int AS errors,
         sum(duration_ms) AS total_duration_ms,
         max(duration_ms) AS max_duration_ms
    FROM operations
   GROUP BY minute, component, operation;
`;

/**
 * The platform's own work per minute: calls, errors and time spent per operation (MCP tool calls,
 * processor batches), from the telemetry topic.
 */
export const operationStatsProjection: PostgresProjection<'telemetry', OperationStatsChanges> = {
  store: 'postgres',
  name: 'operation-stats',
  description:
    'Calls, errors and duration per operation (MCP tool, processor batch) per minute, from telemetry.',
  handles: ['telemetry'],
  initial: () => ({ rows: new Map() }),
  evolve: evolveOperationStats,
  ddl: () => DDL,
  readerViews: ['operations', 'operation_stats'],
  async apply(client, changes) {
    const rows = [...changes.rows.values()];
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO operations (event_id, minute, component, operation, outcome, error_code, duration_ms)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        rows.map((r) => r.eventId),
        rows.map((r) => r.minute.toISOString()),
        rows.map((r) => r.component),
        rows.map((r) => r.operation),
        rows.map((r) => r.outcome),
        rows.map((r) => r.errorCode),
        rows.map((r) => r.durationMs),
      ],
    );
  },
};

/** Per-minute figures of the operations matching `operation` (a LIKE pattern), oldest minute first. */
export async function readOperationStats(
  db: pg.Pool | pg.ClientBase,
  { operation = '%', since }: { readonly operation?: string; readonly since?: Date } = {},
): Promise<OperationMinute[]> {
  const { rows } = await db.query<{
    minute: Date;
    component: string;
    operation: string;
    calls: number;
    errors: number;
    total_duration_ms: number;
    max_duration_ms: number;
  }>(
    `SELECT minute, component, operation, calls, errors, total_duration_ms, max_duration_ms
       FROM operation_stats
      WHERE operation LIKE $1 AND ($2::timestamptz IS NULL OR minute >= $2)
      ORDER BY minute, component, operation`,
    [operation, since?.toISOString() ?? null],
  );
  return rows.map((r) => ({
    minute: r.minute,
    component: r.component,
    operation: r.operation,
    calls: r.calls,
    errors: r.errors,
    totalDurationMs: Number(r.total_duration_ms),
    maxDurationMs: Number(r.max_duration_ms),
  }));
}
