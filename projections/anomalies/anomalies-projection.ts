import type { AnomalyDetected, MeterKind, ReadingUnit } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** One row of `anomalies`: one detection, keyed by its event id. */
export interface AnomalyRow {
  readonly eventId: string;
  /** When the anomaly was detected. */
  readonly occurredAt: Date;
  readonly source: string;
  readonly buildingId: string;
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Event time of the anomalous reading. */
  readonly readingAt: Date;
  readonly observedValue: number;
  readonly expectedLow: number;
  readonly expectedHigh: number;
  readonly score: number;
  readonly method: string;
  readonly baselineSamples: number;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's new detections, at most one per event id. */
export interface AnomaliesChanges {
  readonly rows: Map<string, AnomalyRow>;
}

function anomalyRow(e: AnomalyDetected, partition: number, offset: string): AnomalyRow {
  return {
    eventId: e.eventId,
    occurredAt: e.occurredAt,
    source: e.source,
    buildingId: e.buildingId,
    meterId: e.meterId,
    meterKind: e.meterKind,
    unit: e.unit,
    readingAt: e.readingAt,
    observedValue: e.observedValue,
    expectedLow: e.expectedLow,
    expectedHigh: e.expectedHigh,
    score: e.score,
    method: e.method,
    baselineSamples: e.baselineSamples,
    sourcePartition: partition,
    sourceOffset: offset,
  };
}

/**
 * The batch fold. An event id names one immutable event, so a copy of it further along the log (a
 * producer retry, a re-drive) adds nothing: the first copy is kept.
 */
export function evolveAnomalies(
  state: AnomaliesChanges,
  input: ProjectionEvent<'anomalies'>,
): AnomaliesChanges {
  if (!state.rows.has(input.event.eventId)) {
    state.rows.set(input.event.eventId, anomalyRow(input.event, input.partition, input.offset));
  }
  return state;
}

/** What `apply` does to stored rows, as a pure function: rows already stored are kept. */
export function mergeAnomaliesChanges(earlier: AnomaliesChanges, later: AnomaliesChanges): AnomaliesChanges {
  const rows = new Map(earlier.rows);
  for (const [id, row] of later.rows) if (!rows.has(id)) rows.set(id, row);
  return { rows };
}

const DDL = `
CREATE TABLE IF NOT EXISTS anomalies (
  event_id         uuid PRIMARY KEY,
  occurred_at      timestamptz NOT NULL,
  source           text NOT NULL,
  building_id      text NOT NULL,
  meter_id         text NOT NULL,
  meter_kind       text NOT NULL,
  unit             text NOT NULL,
  reading_at       timestamptz NOT NULL,
  observed_value   double precision NOT NULL,
  expected_low     double precision NOT NULL,
  expected_high    double precision NOT NULL,
  score            double precision NOT NULL,
  method           text NOT NULL,
  baseline_samples integer NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS anomalies_building_time ON anomalies (building_id, occurred_at DESC);
CREATE INDEX IF NOT EXISTS anomalies_meter_time ON anomalies (meter_id, occurred_at DESC);
`;

/** Anomalies as detected: one row per AnomalyDetected event, newest first per building or meter. */
export const anomaliesProjection: PostgresProjection<'anomalies', AnomaliesChanges> = {
  store: 'postgres',
  name: 'anomalies',
  description:
    'Every detected anomaly (observed value, expected range, score, method), per building and meter.',
  handles: ['anomalies'],
  initial: () => ({ rows: new Map() }),
  evolve: evolveAnomalies,
  ddl: () => DDL,
  readerViews: ['anomalies'],
  async apply(client, changes) {
    const rows = [...changes.rows.values()];
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO anomalies (event_id, occurred_at, source, building_id, meter_id, meter_kind, unit, reading_at,
                              observed_value, expected_low, expected_high, score, method, baseline_samples,
                              source_partition, source_offset)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::timestamptz[], $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::text[],
                            $14::int[], $15::int[], $16::bigint[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        rows.map((r) => r.eventId),
        rows.map((r) => r.occurredAt.toISOString()),
        rows.map((r) => r.source),
        rows.map((r) => r.buildingId),
        rows.map((r) => r.meterId),
        rows.map((r) => r.meterKind),
        rows.map((r) => r.unit),
        rows.map((r) => r.readingAt.toISOString()),
        rows.map((r) => r.observedValue),
        rows.map((r) => r.expectedLow),
        rows.map((r) => r.expectedHigh),
        rows.map((r) => r.score),
        rows.map((r) => r.method),
        rows.map((r) => r.baselineSamples),
        rows.map((r) => r.sourcePartition),
        rows.map((r) => r.sourceOffset),
      ],
    );
  },
};
