import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import type { AuditOutcome } from '../../schemas/index.ts';

/** Most records one query returns. */
export const MAX_AUDIT_RECORDS = 1_000;
/** Records a query returns when it names no limit. */
export const DEFAULT_AUDIT_LIMIT = 100;

/** Which audit records to read; every filter optional, combined with AND. */
export interface AuditQuery {
  /** Who acted: an MCP principal's subject, `user:<login>` for the CLI. */
  readonly actor?: string;
  /** What it was done to: a tool name, a dead letter. */
  readonly target?: string;
  /** e.g. `mcp.tool.call`, `dlq.redrive`. */
  readonly action?: string;
  readonly outcome?: AuditOutcome;
  /** Records that occurred at or after this instant. */
  readonly since?: Date;
  /** Records that occurred before this instant. */
  readonly until?: Date;
  /** Only records made for this tenant's callers (a tenant-bound admin); all tenants when absent. */
  readonly tenant?: string;
  /** At most this many, newest first; {@link DEFAULT_AUDIT_LIMIT} by default, {@link MAX_AUDIT_RECORDS} at most. */
  readonly limit?: number;
}

/** One audit record as read back. */
export interface AuditRecordView {
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly source: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: AuditOutcome;
  readonly tenant: string | null;
  /** Tenant, role, redacted arguments (JSON), duration, error code, provenance summary, ... */
  readonly details: Readonly<Record<string, string>>;
  readonly traceparent: string | null;
}

function limitOf(limit: number | undefined): number {
  const n = limit ?? DEFAULT_AUDIT_LIMIT;
  if (!Number.isInteger(n) || n < 1 || n > MAX_AUDIT_RECORDS) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `limit must be a whole number from 1 to ${MAX_AUDIT_RECORDS}, not ${String(limit)}.`,
    );
  }
  return n;
}

/** The audit records matching `query`, newest first (ties by event id, so pages are stable). */
export async function queryAuditRecords(
  db: pg.Pool | pg.ClientBase,
  query: AuditQuery = {},
): Promise<AuditRecordView[]> {
  const { rows } = await db.query<{
    event_id: string;
    occurred_at: Date;
    source: string;
    actor: string;
    action: string;
    target: string;
    outcome: AuditOutcome;
    tenant: string | null;
    details: Record<string, string>;
    traceparent: string | null;
  }>(
    `SELECT event_id, occurred_at, source, actor, action, target, outcome, tenant, details, traceparent
       FROM audit_records
      WHERE ($1::text IS NULL OR actor = $1)
        AND ($2::text IS NULL OR target = $2)
        AND ($3::text IS NULL OR action = $3)
        AND ($4::text IS NULL OR outcome = $4)
        AND ($5::timestamptz IS NULL OR occurred_at >= $5)
        AND ($6::timestamptz IS NULL OR occurred_at < $6)
        AND ($7::text IS NULL OR tenant = $7)
      ORDER BY occurred_at DESC, event_id DESC
      LIMIT $8`,
    [
      query.actor ?? null,
      query.target ?? null,
      query.action ?? null,
      query.outcome ?? null,
      query.since?.toISOString() ?? null,
      query.until?.toISOString() ?? null,
      query.tenant ?? null,
      limitOf(query.limit),
    ],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    occurredAt: r.occurred_at,
    source: r.source,
    actor: r.actor,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    tenant: r.tenant,
    details: r.details,
    traceparent: r.traceparent,
  }));
}
