import type { DataQualityIssue, DataQualityIssueKind, Severity } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** One row of `data_quality_issues`: one finding, keyed by its event id. */
export interface DataQualityIssueRow {
  readonly eventId: string;
  /** When the issue was found. */
  readonly occurredAt: Date;
  readonly source: string;
  readonly buildingId: string;
  readonly meterId: string;
  readonly issueKind: DataQualityIssueKind;
  readonly severity: Severity;
  /** Event time of the reading at fault; null for issues about no single reading (a gap). */
  readonly readingAt: Date | null;
  readonly evidence: Readonly<Record<string, string>>;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's new findings, at most one per event id. */
export interface DataQualityIssuesChanges {
  readonly rows: Map<string, DataQualityIssueRow>;
}

function issueRow(e: DataQualityIssue, partition: number, offset: string): DataQualityIssueRow {
  return {
    eventId: e.eventId,
    occurredAt: e.occurredAt,
    source: e.source,
    buildingId: e.buildingId,
    meterId: e.meterId,
    issueKind: e.issueKind,
    severity: e.severity,
    readingAt: e.readingAt ?? null,
    evidence: e.evidence,
    sourcePartition: partition,
    sourceOffset: offset,
  };
}

/** The batch fold. An event id names one immutable event: the first copy in the log is kept. */
export function evolveDataQualityIssues(
  state: DataQualityIssuesChanges,
  input: ProjectionEvent<'dataQualityIssues'>,
): DataQualityIssuesChanges {
  if (!state.rows.has(input.event.eventId)) {
    state.rows.set(input.event.eventId, issueRow(input.event, input.partition, input.offset));
  }
  return state;
}

/** What `apply` does to stored rows, as a pure function: rows already stored are kept. */
export function mergeDataQualityIssuesChanges(
  earlier: DataQualityIssuesChanges,
  later: DataQualityIssuesChanges,
): DataQualityIssuesChanges {
  const rows = new Map(earlier.rows);
  for (const [id, row] of later.rows) if (!rows.has(id)) rows.set(id, row);
  return { rows };
}

const DDL = `
CREATE TABLE IF NOT EXISTS data_quality_issues (
  event_id         uuid PRIMARY KEY,
  occurred_at      timestamptz NOT NULL,
  source           text NOT NULL,
  building_id      text NOT NULL,
  meter_id         text NOT NULL,
  issue_kind       text NOT NULL,
  severity         text NOT NULL,
  reading_at       timestamptz,
  evidence         jsonb NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS data_quality_issues_building_time ON data_quality_issues (building_id, occurred_at DESC);
CREATE INDEX IF NOT EXISTS data_quality_issues_meter_time ON data_quality_issues (meter_id, occurred_at DESC);
`;

/** Data quality findings: one row per DataQualityIssue event, newest first per building or meter. */
export const dataQualityIssuesProjection: PostgresProjection<'dataQualityIssues', DataQualityIssuesChanges> =
  {
    store: 'postgres',
    name: 'data-quality-issues',
    description:
      'Every data quality finding (kind, severity, reading at fault, evidence), per building and meter.',
    handles: ['dataQualityIssues'],
    initial: () => ({ rows: new Map() }),
    evolve: evolveDataQualityIssues,
    ddl: () => DDL,
    readerViews: ['data_quality_issues'],
    async apply(client, changes) {
      const rows = [...changes.rows.values()];
      if (rows.length === 0) return;
      await client.query(
        `INSERT INTO data_quality_issues (event_id, occurred_at, source, building_id, meter_id, issue_kind, severity,
                                        reading_at, evidence, source_partition, source_offset)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::timestamptz[], $9::jsonb[], $10::int[], $11::bigint[])
       ON CONFLICT (event_id) DO NOTHING`,
        [
          rows.map((r) => r.eventId),
          rows.map((r) => r.occurredAt.toISOString()),
          rows.map((r) => r.source),
          rows.map((r) => r.buildingId),
          rows.map((r) => r.meterId),
          rows.map((r) => r.issueKind),
          rows.map((r) => r.severity),
          rows.map((r) => r.readingAt?.toISOString() ?? null),
          rows.map((r) => JSON.stringify(r.evidence)),
          rows.map((r) => r.sourcePartition),
          rows.map((r) => r.sourceOffset),
        ],
      );
    },
  };
