import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';

/** Whose energy use intensity to benchmark, over `[from, to)`, for which meter kind and unit. */
export interface BenchmarkQuery extends TimeRange, AsOf {
  readonly buildingId: string;
  /** Default electricity. */
  readonly meterKind?: MeterKind;
  /** Default kWh: energy use intensity is only comparable in one unit. */
  readonly unit?: ReadingUnit;
  /**
   * Only buildings of this tenant are peers, and the building itself must be one (undefined: every
   * tenant's): a tenant's agent is ranked among what it may see and never learns of another's.
   */
  readonly tenantId?: string;
}

/** One building's energy use intensity (EUI) among the peers of its primary use. */
export interface BuildingBenchmark {
  readonly buildingId: string;
  readonly primaryUse: string;
  readonly floorAreaM2: number;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Consumption over the range. */
  readonly consumption: number;
  /** Days of the range with at least one reading of the building. */
  readonly daysWithData: number;
  /** Consumption per m² per year, annualised over the days with data. */
  readonly eui: number;
  readonly peers: {
    /** Buildings of the same primary use with a floor area and data in the range, this one included. */
    readonly count: number;
    readonly p25: number;
    readonly median: number;
    readonly p75: number;
  };
  /** Share of peers (0..100) whose EUI is lower: 90 means more intense than 90 % of its peers. */
  readonly percentile: number;
  /** End of the newest daily window behind the ranking (this building's or a peer's). */
  readonly dataUntil: Date;
}

/**
 * Benchmarks a building's energy use intensity against the buildings of the same primary use,
 * from the daily per-meter rollups and the buildings' floor areas. Annualising over the days with
 * data (not the range's length) keeps a building that joined mid-range comparable. With `asOf`, the
 * building and its peers alike count only days ending at or before it (registrations as they are now).
 */
export async function queryBenchmark(
  db: pg.Pool | pg.ClientBase,
  query: BenchmarkQuery,
): Promise<BuildingBenchmark | undefined> {
  checkRange(query);
  checkAsOf(query);
  const meterKind = query.meterKind ?? 'electricity';
  const unit = query.unit ?? 'kWh';
  const { rows } = await db.query<{
    building_id: string;
    primary_use: string;
    floor_area_m2: number;
    consumption: number;
    days: string;
    eui: number;
    peers: string;
    p25: number;
    median: number;
    p75: number;
    percentile: number;
    data_until: Date;
  }>(
    `WITH target AS (
       SELECT primary_use FROM buildings WHERE building_id = $1 AND ($6::text IS NULL OR tenant_id = $6)
     ), usage AS (
       SELECT b.building_id, b.primary_use, b.floor_area_m2, sum(r.sum) AS consumption,
              count(DISTINCT r.window_start) AS days, max(r.window_end) AS until
         FROM buildings b
         JOIN rollups_1d r ON r.building_id = b.building_id AND r.meter_id <> ''
        WHERE b.primary_use = (SELECT primary_use FROM target) AND b.floor_area_m2 > 0
          AND ($6::text IS NULL OR b.tenant_id = $6)
          AND r.meter_kind = $2 AND r.unit = $3 AND r.window_start >= $4 AND r.window_start < $5
          AND ($7::timestamptz IS NULL OR r.window_end <= $7)
        GROUP BY b.building_id, b.primary_use, b.floor_area_m2
     ), intensity AS (
       SELECT *, consumption / floor_area_m2 * (365.0 / days) AS eui FROM usage
     ), ranked AS (
       SELECT *, 100 * percent_rank() OVER (ORDER BY eui) AS percentile FROM intensity
     )
     SELECT ranked.*, (SELECT count(*) FROM intensity) AS peers,
            (SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY eui) FROM intensity) AS p25,
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY eui) FROM intensity) AS median,
            (SELECT percentile_cont(0.75) WITHIN GROUP (ORDER BY eui) FROM intensity) AS p75,
            (SELECT max(until) FROM intensity) AS data_until
       FROM ranked WHERE building_id = $1`,
    [query.buildingId, meterKind, unit, query.from, query.to, query.tenantId ?? null, query.asOf ?? null],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  if (!Number.isFinite(row.eui)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `building ${query.buildingId} has no usable floor area`,
      {
        context: { buildingId: query.buildingId },
      },
    );
  }
  return {
    buildingId: row.building_id,
    primaryUse: row.primary_use,
    floorAreaM2: row.floor_area_m2,
    meterKind,
    unit,
    consumption: row.consumption,
    daysWithData: Number(row.days),
    eui: row.eui,
    peers: { count: Number(row.peers), p25: row.p25, median: row.median, p75: row.p75 },
    percentile: row.percentile,
    dataUntil: row.data_until,
  };
}
