import type pg from 'pg';
import type { ForecastHorizon } from '../../schemas/index.ts';

/** Two (or more) versions over the same meters and a window of hours. */
export interface LiveAccuracyQuery {
  readonly versions: readonly string[];
  readonly horizon: ForecastHorizon;
  readonly from: Date;
  readonly to: Date;
  readonly buildingId?: string;
  readonly meterId?: string;
  /** Only buildings of this tenant (a tenant-bound caller's portfolio). */
  readonly tenantId?: string;
}

/** Live accuracy of one version: its stored forecasts against the actual hourly rollups. */
export interface VersionAccuracy {
  readonly version: string;
  /** Hours compared: hours every version forecast and whose actual has arrived. */
  readonly n: number;
  readonly meters: number;
  readonly meanActual: number | null;
  /** sqrt(mean squared error) / mean actual, a fraction; null with no hour or a zero mean. */
  readonly cvRmse: number | null;
  /** Σ(actual − forecast) / (n · mean actual), a fraction (Guideline 14's sign: positive = under-forecast). */
  readonly nmbe: number | null;
  readonly lastHour: Date | null;
}

/**
 * Live accuracy per version, computed in SQL at query time from the forecasts and rollups read
 * models (so a rebuild of either gives the same answer): only hours every asked version forecast for
 * the same meter, so the versions are compared on the same hours (a paired comparison), joined with
 * the actual hourly rollup of that meter and hour. Scores pool the meters' hours.
 */
export async function queryLiveAccuracy(
  db: pg.Pool | pg.ClientBase,
  query: LiveAccuracyQuery,
): Promise<VersionAccuracy[]> {
  const { rows } = await db.query<{
    version: string;
    n: string;
    meters: string;
    mean_actual: number | null;
    sse: number | null;
    bias: number | null;
    last_hour: Date | null;
  }>(
    `WITH f AS (
       SELECT fh.meter_id, fh.building_id, fh.meter_kind, fh.unit, fh.hour_start, fh.version, fh.value
         FROM forecast_hours fh
        WHERE fh.version = ANY($1) AND fh.horizon = $2 AND fh.hour_start >= $3 AND fh.hour_start < $4
          AND ($5::text IS NULL OR fh.building_id = $5) AND ($6::text IS NULL OR fh.meter_id = $6)
          AND ($7::text IS NULL OR EXISTS (
                SELECT 1 FROM buildings b WHERE b.building_id = fh.building_id AND b.tenant_id = $7))
     ), actual AS (
       SELECT f.*, r.sum AS actual FROM f
         JOIN rollups_1h r ON r.building_id = f.building_id AND r.meter_id = f.meter_id
          AND r.meter_kind = f.meter_kind AND r.unit = f.unit AND r.window_start = f.hour_start
     ), paired AS (
       SELECT meter_id, hour_start FROM actual GROUP BY meter_id, hour_start
       HAVING count(DISTINCT version) = cardinality($1::text[])
     )
     SELECT a.version, count(*) AS n, count(DISTINCT a.meter_id) AS meters, avg(a.actual) AS mean_actual,
            sum((a.actual - a.value) ^ 2) AS sse, sum(a.actual - a.value) AS bias, max(a.hour_start) AS last_hour
       FROM actual a JOIN paired p ON p.meter_id = a.meter_id AND p.hour_start = a.hour_start
      GROUP BY a.version`,
    [
      [...new Set(query.versions)],
      query.horizon,
      query.from,
      query.to,
      query.buildingId ?? null,
      query.meterId ?? null,
      query.tenantId ?? null,
    ],
  );
  const byVersion = new Map(rows.map((r) => [r.version, r]));
  return query.versions.map((version) => {
    const r = byVersion.get(version);
    const n = r === undefined ? 0 : Number(r.n);
    const mean = r?.mean_actual ?? null;
    const scaled = n > 0 && mean !== null && mean !== 0;
    return {
      version,
      n,
      meters: r === undefined ? 0 : Number(r.meters),
      meanActual: mean,
      cvRmse: scaled && r?.sse != null ? Math.sqrt(r.sse / n) / mean : null,
      nmbe: scaled && r?.bias != null ? r.bias / (n * mean) : null,
      lastHour: r?.last_hour ?? null,
    };
  });
}
