import type pg from 'pg';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';

/** Whose data quality to report, over `[from, to)`. */
export interface DataQualityQuery extends TimeRange, AsOf {
  readonly buildingId: string;
}

/** Data quality of one building over a range: issues counted per meter, kind and severity. */
export interface DataQualityReport {
  readonly buildingId: string;
  readonly totalIssues: number;
  readonly byKind: readonly {
    readonly meterId: string;
    readonly issueKind: string;
    readonly severity: string;
    readonly count: number;
    readonly first: Date;
    readonly last: Date;
  }[];
  /** Readings stored per meter in the range, to weigh the issue counts against. */
  readonly readingsPerMeter: readonly { readonly meterId: string; readonly readings: number }[];
}

/**
 * Summarises the data-quality issues of a building over `[from, to)` beside how many readings each
 * meter delivered, so "12 spikes" can be read against "720 readings". With `asOf`, both count only
 * events (issues, readings) whose event time is at or before it.
 */
export async function queryDataQualityReport(
  db: pg.Pool | pg.ClientBase,
  query: DataQualityQuery,
): Promise<DataQualityReport> {
  checkRange(query);
  checkAsOf(query);
  const params = [query.buildingId, query.from, query.to, query.asOf ?? null];
  const [issues, readings] = await Promise.all([
    db.query<{ meter_id: string; issue_kind: string; severity: string; n: string; first: Date; last: Date }>(
      `SELECT meter_id, issue_kind, severity, count(*) AS n, min(occurred_at) AS first, max(occurred_at) AS last
         FROM data_quality_issues
        WHERE building_id = $1 AND occurred_at >= $2 AND occurred_at < $3
          AND ($4::timestamptz IS NULL OR occurred_at <= $4)
        GROUP BY meter_id, issue_kind, severity
        ORDER BY meter_id, issue_kind, severity`,
      params,
    ),
    db.query<{ meter_id: string; n: string }>(
      `SELECT meter_id, count(*) AS n FROM readings
        WHERE building_id = $1 AND occurred_at >= $2 AND occurred_at < $3
          AND ($4::timestamptz IS NULL OR occurred_at <= $4)
        GROUP BY meter_id ORDER BY meter_id`,
      params,
    ),
  ]);
  const byKind = issues.rows.map((r) => ({
    meterId: r.meter_id,
    issueKind: r.issue_kind,
    severity: r.severity,
    count: Number(r.n),
    first: r.first,
    last: r.last,
  }));
  return {
    buildingId: query.buildingId,
    totalIssues: byKind.reduce((n, k) => n + k.count, 0),
    byKind,
    readingsPerMeter: readings.rows.map((r) => ({ meterId: r.meter_id, readings: Number(r.n) })),
  };
}
