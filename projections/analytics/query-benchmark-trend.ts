import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';
import { median, percentRank, quantile, slope } from './statistics.ts';

/**
 * A building-month is compared only when its hours with data cover at least this share of the
 * month's hours inside the window: a month EUI is a plain sum, so a half-reported month would look
 * half as intense.
 */
export const MIN_MONTH_COVERAGE = 0.9;
/** Longest window of a trend: five years of months. */
export const MAX_TREND_MONTHS = 60;

/** Whose monthly energy use intensity to follow over `[from, to)`. */
export interface BenchmarkTrendQuery extends TimeRange, AsOf {
  readonly buildingId: string;
  /** Default electricity. */
  readonly meterKind?: MeterKind;
  /** Default kWh. */
  readonly unit?: ReadingUnit;
  /** Only this tenant's buildings are peers, and the building must be one (undefined: every tenant's). */
  readonly tenantId?: string;
}

/** One local calendar month of the building against its peers. */
export interface TrendMonth {
  /** `YYYY-MM`, the building's local calendar month. */
  readonly month: string;
  /** Consumption in the month (inside the window) divided by floor area, e.g. kWh/m². */
  readonly eui: number;
  readonly consumption: number;
  /** Hours with data over the month's hours inside the window (0..1). */
  readonly coverage: number;
  /** False when coverage is under {@link MIN_MONTH_COVERAGE}: listed, not ranked nor in the trend. */
  readonly compared: boolean;
  /** Peers of the same primary use with enough coverage that month, this building included when compared. */
  readonly peers: {
    readonly count: number;
    readonly p25: number;
    readonly median: number;
    readonly p75: number;
  } | null;
  /** Share (0..100) of the other compared buildings with a lower EUI (`percent_rank`); null when not compared. */
  readonly percentile: number | null;
}

export interface BenchmarkTrend {
  readonly buildingId: string;
  readonly primaryUse: string;
  readonly floorAreaM2: number;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Unit of the EUI figures, e.g. `kWh/m²` per month. */
  readonly euiUnit: string;
  readonly months: readonly TrendMonth[];
  readonly trend: {
    /** Compared months behind the slopes. */
    readonly months: number;
    /** Least-squares slope of the building's monthly EUI per calendar month; null under two months. */
    readonly euiSlopePerMonth: number | null;
    /** Same slope for the building's EUI divided by the peers' median (1 = the median): drift against peers. */
    readonly relativeToMedianSlopePerMonth: number | null;
    /** Mean change of a month's EUI against the same month a year before, e.g. -0.05 = 5 % less; null without such pairs. */
    readonly yearOverYear: number | null;
    readonly yearOverYearPairs: number;
  };
  /** End of the newest hour behind the answer. */
  readonly dataUntil: Date | null;
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

const monthIndex = (month: string): number => {
  const [y, m] = month.split('-').map(Number);
  return (y ?? 0) * 12 + (m ?? 1) - 1;
};

/**
 * Monthly energy use intensity of a building against the buildings of its primary use, from the
 * hourly per-meter rollups grouped by each building's local calendar month, and the buildings' floor
 * areas (stored in m² by the buildings read model; importers convert at the edge). Undefined for an
 * unknown building (or another tenant's); `INVALID_ARGUMENT` when it has no floor area.
 */
export async function queryBenchmarkTrend(
  db: pg.Pool | pg.ClientBase,
  query: BenchmarkTrendQuery,
): Promise<BenchmarkTrend | undefined> {
  checkRange(query);
  checkAsOf(query);
  const spanMonths = (query.to.getTime() - query.from.getTime()) / (30.44 * 86_400_000);
  if (spanMonths > MAX_TREND_MONTHS) {
    throw invalid(
      `the window spans about ${Math.round(spanMonths)} months; at most ${MAX_TREND_MONTHS} are followed`,
      {
        months: spanMonths,
      },
    );
  }
  const meterKind = query.meterKind ?? 'electricity';
  const unit = query.unit ?? 'kWh';
  const target = await db.query<{ primary_use: string; floor_area_m2: number | null }>(
    'SELECT primary_use, floor_area_m2 FROM buildings WHERE building_id = $1 AND ($2::text IS NULL OR tenant_id = $2)',
    [query.buildingId, query.tenantId ?? null],
  );
  const building = target.rows[0];
  if (building === undefined) return undefined;
  if (building.floor_area_m2 === null || !(building.floor_area_m2 > 0)) {
    throw invalid(`building ${query.buildingId} has no floor area registered, so it has no EUI`, {
      buildingId: query.buildingId,
    });
  }
  const { rows } = await db.query<{
    building_id: string;
    month: string;
    consumption: number;
    hours: string;
    expected_hours: number;
    until: Date;
    floor_area_m2: number;
  }>(
    `WITH chosen AS (
       SELECT building_id, floor_area_m2, timezone FROM buildings
        WHERE primary_use = $1 AND floor_area_m2 > 0 AND ($2::text IS NULL OR tenant_id = $2)
     ), hourly AS (
       SELECT c.building_id, c.floor_area_m2, c.timezone,
              date_trunc('month', r.window_start AT TIME ZONE c.timezone) AS local_month,
              r.window_start, max(r.window_end) AS window_end, sum(r.sum) AS total
         FROM rollups_1h r JOIN chosen c ON c.building_id = r.building_id
        WHERE r.meter_id <> '' AND r.meter_kind = $3 AND r.unit = $4
          AND r.window_start >= $5 AND r.window_start < $6
          AND ($7::timestamptz IS NULL OR r.window_end <= $7)
        GROUP BY c.building_id, c.floor_area_m2, c.timezone, local_month, r.window_start
     )
     SELECT building_id, floor_area_m2, to_char(local_month, 'YYYY-MM') AS month,
            sum(total) AS consumption, count(*) AS hours, max(window_end) AS until,
            extract(epoch FROM
              least((local_month + interval '1 month') AT TIME ZONE timezone, $6::timestamptz,
                    coalesce($7::timestamptz, 'infinity'::timestamptz))
              - greatest(local_month AT TIME ZONE timezone, $5::timestamptz)) / 3600.0 AS expected_hours
       FROM hourly
      GROUP BY building_id, floor_area_m2, timezone, local_month
      ORDER BY month, building_id`,
    [building.primary_use, query.tenantId ?? null, meterKind, unit, query.from, query.to, query.asOf ?? null],
  );
  const byMonth = new Map<
    string,
    { buildingId: string; eui: number; consumption: number; coverage: number }[]
  >();
  let dataUntil: Date | null = null;
  for (const r of rows) {
    const coverage = r.expected_hours > 0 ? Math.min(1, Number(r.hours) / r.expected_hours) : 0;
    const list = byMonth.get(r.month) ?? [];
    list.push({
      buildingId: r.building_id,
      eui: r.consumption / r.floor_area_m2,
      consumption: r.consumption,
      coverage,
    });
    byMonth.set(r.month, list);
    if (dataUntil === null || r.until > dataUntil) dataUntil = r.until;
  }
  const months: TrendMonth[] = [];
  for (const [month, list] of [...byMonth].sort(([a], [b]) => a.localeCompare(b))) {
    const own = list.find((x) => x.buildingId === query.buildingId);
    if (own === undefined) continue;
    const compared = own.coverage >= MIN_MONTH_COVERAGE;
    const ranked = list.filter((x) => x.coverage >= MIN_MONTH_COVERAGE).map((x) => x.eui);
    months.push({
      month,
      eui: own.eui,
      consumption: own.consumption,
      coverage: own.coverage,
      compared,
      peers:
        ranked.length === 0
          ? null
          : {
              count: ranked.length,
              p25: quantile(ranked, 0.25),
              median: median(ranked),
              p75: quantile(ranked, 0.75),
            },
      percentile: compared ? percentRank(own.eui, ranked) : null,
    });
  }
  const compared = months.filter((m) => m.compared);
  const x = compared.map((m) => monthIndex(m.month));
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  const relative = compared.filter((m) => (m.peers?.median ?? 0) > 0);
  const pairs = compared.flatMap((m) => {
    const before = compared.find((b) => monthIndex(b.month) === monthIndex(m.month) - 12);
    return before !== undefined && before.eui > 0 ? [m.eui / before.eui - 1] : [];
  });
  return {
    buildingId: query.buildingId,
    primaryUse: building.primary_use,
    floorAreaM2: building.floor_area_m2,
    meterKind,
    unit,
    euiUnit: `${unit}/m²`,
    months,
    trend: {
      months: compared.length,
      euiSlopePerMonth: finite(
        slope(
          x,
          compared.map((m) => m.eui),
        ),
      ),
      relativeToMedianSlopePerMonth: finite(
        slope(
          relative.map((m) => monthIndex(m.month)),
          relative.map((m) => m.eui / (m.peers?.median ?? 1)),
        ),
      ),
      yearOverYear: pairs.length === 0 ? null : pairs.reduce((a, b) => a + b, 0) / pairs.length,
      yearOverYearPairs: pairs.length,
    },
    dataUntil,
  };
}
