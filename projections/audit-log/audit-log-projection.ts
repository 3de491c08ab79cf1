import type { AuditOutcome } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** One audit record as the `audit_records` table holds it, keyed by its event id. */
export interface AuditRow {
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly source: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: AuditOutcome;
  /** The caller's tenant (`details.tenant`), null for records that name none (e.g. CLI re-drives). */
  readonly tenant: string | null;
  readonly details: Readonly<Record<string, string>>;
  readonly traceparent: string | null;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's records, at most one per event id. */
export interface AuditLogChanges {
  readonly rows: Map<string, AuditRow>;
}

/** The row of one consumed audit record. */
export function auditRow(input: ProjectionEvent<'auditLog'>): AuditRow {
  const e = input.event;
  return {
    eventId: e.eventId.toLowerCase(),
    occurredAt: e.occurredAt,
    source: e.source,
    actor: e.actor,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    tenant: e.details.tenant ?? null,
    details: { ...e.details },
    traceparent: e.traceContext?.traceparent ?? null,
    sourcePartition: input.partition,
    sourceOffset: input.offset,
  };
}

/**
 * The batch fold: one row per event id. The first copy in the log wins, so a producer retry's
 * duplicate further along adds nothing, and neither does a replay (the insert is a no-op).
 */
export function evolveAuditLog(state: AuditLogChanges, input: ProjectionEvent<'auditLog'>): AuditLogChanges {
  const row = auditRow(input);
  if (!state.rows.has(row.eventId)) state.rows.set(row.eventId, row);
  return state;
}

// Audit records never change: rows are inserted once by event id. Reads filter by who (actor), what
// (target) and when, newest first, hence one index per filter, each ending in time.
const DDL = `
CREATE TABLE IF NOT EXISTS audit_records (
  event_id         uuid PRIMARY KEY,
  occurred_at      timestamptz NOT NULL,
  source           text NOT NULL,
  actor            text NOT NULL,
  action           text NOT NULL,
  target           text NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  tenant           text,
  details          jsonb NOT NULL,
  traceparent      text,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_time ON audit_records (occurred_at DESC, event_id);
CREATE INDEX IF NOT EXISTS audit_records_actor_time ON audit_records (actor, occurred_at DESC);
CREATE INDEX IF NOT EXISTS audit_records_target_time ON audit_records (target, occurred_at DESC);
`;

/**
 * Every audit record of the audit-log topic (MCP tool calls, dead-letter re-drives) in a table
 * queried by actor, target, outcome and time (`eaio audit list`, the `list_audit_records` tool).
 */
export const auditLogProjection: PostgresProjection<'auditLog', AuditLogChanges> = {
  store: 'postgres',
  name: 'audit-log',
  description: 'Every audit record (MCP tool calls, re-drives): who did what to what, when, and the outcome.',
  handles: ['auditLog'],
  initial: () => ({ rows: new Map() }),
  evolve: evolveAuditLog,
  ddl: () => DDL,
  readerViews: ['audit_records'],
  async apply(client, changes) {
    const rows = [...changes.rows.values()];
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO audit_records (event_id, occurred_at, source, actor, action, target, outcome, tenant, details,
         traceparent, source_partition, source_offset)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::jsonb[], $10::text[], $11::int[], $12::bigint[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        rows.map((r) => r.eventId),
        rows.map((r) => r.occurredAt.toISOString()),
        rows.map((r) => r.source),
        rows.map((r) => r.actor),
        rows.map((r) => r.action),
        rows.map((r) => r.target),
        rows.map((r) => r.outcome),
        rows.map((r) => r.tenant),
        rows.map((r) => JSON.stringify(r.details)),
        rows.map((r) => r.traceparent),
        rows.map((r) => r.sourcePartition),
        rows.map((r) => r.sourceOffset),
      ],
    );
  },
};
