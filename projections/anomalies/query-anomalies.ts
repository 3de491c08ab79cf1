import type pg from 'pg';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';
import type { AnomalyRow } from './anomalies-projection.ts';

/** Which anomalies to list: one building's, optionally one meter's, within a range, above a score. */
export interface AnomaliesQuery extends Partial<TimeRange>, AsOf {
  readonly buildingId: string;
  readonly meterId?: string;
  /** Only anomalies scoring at least this much (robust z-score). */
  readonly minScore?: number;
  /** Newest first, at most this many; default 50, at most 500. */
  readonly limit?: number;
}

/**
 * One anomaly as {@link queryAnomalies} answers it: the read model's row without who produced it, the
 * baseline's size and its place in the log, which answers have never carried.
 */
export type AnomalyView = Omit<AnomalyRow, 'source' | 'baselineSamples' | 'sourcePartition' | 'sourceOffset'>;

/** The most anomalies one answer holds, whatever `limit` asks. */
export const MAX_ANOMALIES = 500;

/**
 * Anomalies of a building (or one meter), newest first, optionally within `[from, to)` and, with
 * `asOf`, only those detected (occurredAt) at or before it.
 */
export async function queryAnomalies(
  db: pg.Pool | pg.ClientBase,
  query: AnomaliesQuery,
): Promise<AnomalyView[]> {
  if (query.from !== undefined && query.to !== undefined) checkRange({ from: query.from, to: query.to });
  checkAsOf(query);
  const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), MAX_ANOMALIES);
  const { rows } = await db.query<{
    event_id: string;
    occurred_at: Date;
    building_id: string;
    meter_id: string;
    meter_kind: MeterKind;
    unit: ReadingUnit;
    reading_at: Date;
    observed_value: number;
    expected_low: number;
    expected_high: number;
    score: number;
    method: string;
  }>(
    `SELECT event_id, occurred_at, building_id, meter_id, meter_kind, unit, reading_at, observed_value,
            expected_low, expected_high, score, method
       FROM anomalies
      WHERE building_id = $1 AND ($2::text IS NULL OR meter_id = $2)
        AND ($3::timestamptz IS NULL OR occurred_at >= $3) AND ($4::timestamptz IS NULL OR occurred_at < $4)
        AND ($5::float8 IS NULL OR abs(score) >= $5)
        AND ($7::timestamptz IS NULL OR occurred_at <= $7)
      ORDER BY occurred_at DESC, event_id
      LIMIT $6`,
    [
      query.buildingId,
      query.meterId ?? null,
      query.from ?? null,
      query.to ?? null,
      query.minScore ?? null,
      limit,
      query.asOf ?? null,
    ],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    occurredAt: r.occurred_at,
    buildingId: r.building_id,
    meterId: r.meter_id,
    meterKind: r.meter_kind,
    unit: r.unit,
    readingAt: r.reading_at,
    observedValue: r.observed_value,
    expectedLow: r.expected_low,
    expectedHigh: r.expected_high,
    score: r.score,
    method: r.method,
  }));
}
