import type pg from 'pg';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import {
  type AsOf,
  BUCKETS,
  type Bucket,
  checkAsOf,
  checkRange,
  type TimeRange,
} from '../query-arguments.ts';

/** Whose consumption to sum, over `[from, to)`, in buckets of which size. */
export interface ConsumptionQuery extends TimeRange, AsOf {
  readonly buildingId: string;
  /** Only meters of this kind; all kinds otherwise (each kind and unit summed apart). */
  readonly meterKind?: MeterKind;
  /** Only this meter of the building. */
  readonly meterId?: string;
  readonly bucket: Bucket;
}

/** Consumption of one bucket, for one meter kind and unit (different units are never summed). */
export interface ConsumptionBucket {
  readonly start: Date;
  readonly end: Date;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Sum of the readings of every meter in the bucket. */
  readonly total: number;
  /** Readings that contributed, over all meters: a bucket with fewer than expected is incomplete. */
  readonly readings: number;
  /** Meters that reported in the bucket. */
  readonly meters: number;
}

/**
 * Consumption of a building (or one of its meters) per bucket over `[from, to)`, from the
 * per-meter rollup of the bucket's size. Buckets without any reading are absent, not zero: a gap
 * in the data is not a building using nothing. With `asOf`, only buckets ending at or before it.
 */
export async function queryConsumption(
  db: pg.Pool | pg.ClientBase,
  query: ConsumptionQuery,
): Promise<ConsumptionBucket[]> {
  checkRange(query, query.bucket);
  checkAsOf(query);
  const { rows } = await db.query<{
    window_start: Date;
    window_end: Date;
    meter_kind: MeterKind;
    unit: ReadingUnit;
    total: number;
    readings: string;
    meters: string;
  }>(
    `SELECT window_start, window_end, meter_kind, unit, sum(sum) AS total, sum(count) AS readings,
            count(DISTINCT meter_id) AS meters
       FROM ${BUCKETS[query.bucket]}
      WHERE building_id = $1 AND meter_id <> '' AND window_start >= $2 AND window_start < $3
        AND ($4::text IS NULL OR meter_kind = $4) AND ($5::text IS NULL OR meter_id = $5)
        AND ($6::timestamptz IS NULL OR window_end <= $6)
      GROUP BY window_start, window_end, meter_kind, unit
      ORDER BY window_start, meter_kind, unit`,
    [
      query.buildingId,
      query.from,
      query.to,
      query.meterKind ?? null,
      query.meterId ?? null,
      query.asOf ?? null,
    ],
  );
  return rows.map((r) => ({
    start: r.window_start,
    end: r.window_end,
    meterKind: r.meter_kind,
    unit: r.unit,
    total: r.total,
    readings: Number(r.readings),
    meters: Number(r.meters),
  }));
}
