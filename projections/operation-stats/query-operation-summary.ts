import type pg from 'pg';

/** The most operations one summary lists. */
export const MAX_OPERATION_SUMMARIES = 200;

/** Which operations to summarise, over which window of recorded time. */
export interface OperationSummaryQuery {
  /** Start of the window (inclusive, by the minute the operation was recorded in). */
  readonly since: Date;
  /** End of the window (exclusive); open when absent. */
  readonly until?: Date;
  /** Only this component, e.g. `mcp`, `projector`, `processor:anomalies`. */
  readonly component?: string;
  /** Only operations whose name contains this text, e.g. `mcp.tool:`. */
  readonly operation?: string;
  /** At most this many operations, busiest first; default 50. */
  readonly limit?: number;
}

/** One operation of one component over the window. */
export interface OperationSummary {
  readonly component: string;
  readonly operation: string;
  readonly calls: number;
  readonly errors: number;
  /** Durations in milliseconds: p50 and p99 are recorded durations (nearest rank), not interpolations. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** Error count per error code, most frequent first. */
  readonly errorCodes: readonly { readonly code: string; readonly count: number }[];
  readonly firstMinute: Date;
  readonly lastMinute: Date;
}

/**
 * Calls, errors and duration percentiles per component and operation over a window, from the
 * operation-stats read model's rows (one per recorded operation, so percentiles are exact).
 */
export async function queryOperationSummary(
  db: pg.ClientBase | pg.Pool,
  query: OperationSummaryQuery,
): Promise<OperationSummary[]> {
  const limit = Math.min(Math.max(1, query.limit ?? 50), MAX_OPERATION_SUMMARIES);
  const args = [
    query.since.toISOString(),
    query.until?.toISOString() ?? null,
    query.component ?? null,
    query.operation ?? null,
  ];
  const window = `minute >= $1 AND ($2::timestamptz IS NULL OR minute < $2)
    AND ($3::text IS NULL OR component = $3) AND ($4::text IS NULL OR strpos(operation, $4) > 0)`;
  const { rows } = await db.query<{
    component: string;
    operation: string;
    calls: number;
    errors: number;
    p50: number;
    p99: number;
    max: number;
    mean: number;
    first_minute: Date;
    last_minute: Date;
  }>(
    `SELECT component, operation, count(*)::int AS calls,
            (count(*) FILTER (WHERE outcome = 'error'))::int AS errors,
            percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
            percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99,
            max(duration_ms) AS max, avg(duration_ms) AS mean,
            min(minute) AS first_minute, max(minute) AS last_minute
       FROM operations WHERE ${window}
      GROUP BY component, operation
      ORDER BY calls DESC, component, operation
      LIMIT $5`,
    [...args, limit],
  );
  const { rows: codes } = await db.query<{
    component: string;
    operation: string;
    code: string;
    count: number;
  }>(
    `SELECT component, operation, error_code AS code, count(*)::int AS count
       FROM operations WHERE ${window} AND error_code IS NOT NULL
      GROUP BY component, operation, error_code
      ORDER BY count DESC, error_code`,
    args,
  );
  return rows.map((r) => ({
    component: r.component,
    operation: r.operation,
    calls: r.calls,
    errors: r.errors,
    p50Ms: Number(r.p50),
    p99Ms: Number(r.p99),
    maxMs: Number(r.max),
    meanMs: Number(r.mean),
    errorCodes: codes
      .filter((c) => c.component === r.component && c.operation === r.operation)
      .map((c) => ({ code: c.code, count: c.count })),
    firstMinute: r.first_minute,
    lastMinute: r.last_minute,
  }));
}
