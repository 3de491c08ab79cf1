import type pg from 'pg';
import { checkRange, type TimeRange } from '../query-arguments.ts';

/** The most issues one answer lists, whatever `limit` asks. */
export const MAX_DATA_QUALITY_ISSUES = 500;

/** Which building's issues to list, found within `[from, to)`. */
export interface DataQualityIssuesQuery extends TimeRange {
  readonly buildingId: string;
  /** Newest first, at most this many; default 200, at most {@link MAX_DATA_QUALITY_ISSUES}. */
  readonly limit?: number;
}

/** One data-quality finding, as a chart marks it. */
export interface DataQualityIssueView {
  readonly meterId: string;
  readonly issueKind: string;
  readonly severity: string;
  /** When it was found (event time of the finding). */
  readonly occurredAt: Date;
  /** The reading at fault; null for issues about no single reading (a gap). */
  readonly readingAt: Date | null;
}

/**
 * The data-quality issues of a building found within `[from, to)`, newest first: the findings one by
 * one, where the report (`queryDataQualityReport`) counts them per meter and kind.
 */
export async function queryDataQualityIssues(
  db: pg.Pool | pg.ClientBase,
  query: DataQualityIssuesQuery,
): Promise<DataQualityIssueView[]> {
  checkRange(query);
  const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? 200)), MAX_DATA_QUALITY_ISSUES);
  const { rows } = await db.query<{
    meter_id: string;
    issue_kind: string;
    severity: string;
    occurred_at: Date;
    reading_at: Date | null;
  }>(
    `SELECT meter_id, issue_kind, severity, occurred_at, reading_at FROM data_quality_issues
      WHERE building_id = $1 AND occurred_at >= $2 AND occurred_at < $3
      ORDER BY occurred_at DESC, event_id LIMIT $4`,
    [query.buildingId, query.from, query.to, limit],
  );
  return rows.map((r) => ({
    meterId: r.meter_id,
    issueKind: r.issue_kind,
    severity: r.severity,
    occurredAt: r.occurred_at,
    readingAt: r.reading_at,
  }));
}
