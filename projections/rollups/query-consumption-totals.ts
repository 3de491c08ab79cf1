import type pg from 'pg';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';

/** Whose consumption to total over `[from, to)`. */
export interface ConsumptionTotalsQuery extends TimeRange, AsOf {
  readonly buildingId: string;
}

/** A building's consumption of one meter kind in one unit over a range. */
export interface ConsumptionTotal {
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly total: number;
  /** Readings that contributed. */
  readonly readings: number;
  /** Meters that reported. */
  readonly meters: number;
  /** End of the newest 15-minute window that contributed: how far the total reaches. */
  readonly until: Date;
}

/**
 * A building's consumption per meter kind and unit over `[from, to)`, from the 15-minute per-meter
 * rollups: their windows align with local midnight in every time zone whose offset is a multiple of
 * 15 minutes, so a building's local day is summed exactly, not approximated by UTC days.
 */
export async function queryConsumptionTotals(
  db: pg.Pool | pg.ClientBase,
  query: ConsumptionTotalsQuery,
): Promise<ConsumptionTotal[]> {
  checkRange(query, '15m');
  checkAsOf(query);
  const { rows } = await db.query<{
    meter_kind: MeterKind;
    unit: ReadingUnit;
    total: number;
    readings: string;
    meters: string;
    until: Date;
  }>(
    `SELECT meter_kind, unit, sum(sum) AS total, sum(count) AS readings, count(DISTINCT meter_id) AS meters,
            max(window_end) AS until
       FROM rollups_15m
      WHERE building_id = $1 AND meter_id <> '' AND window_start >= $2 AND window_start < $3
        AND ($4::timestamptz IS NULL OR window_end <= $4)
      GROUP BY meter_kind, unit
      ORDER BY meter_kind, unit`,
    [query.buildingId, query.from, query.to, query.asOf ?? null],
  );
  return rows.map((r) => ({
    meterKind: r.meter_kind,
    unit: r.unit,
    total: r.total,
    readings: Number(r.readings),
    meters: Number(r.meters),
    until: r.until,
  }));
}
