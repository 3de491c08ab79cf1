import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import {
  type DegreeHourModel,
  fitDegreeHourModel,
  predictConsumption,
  weatherNormalisedConsumption,
} from '../../processors/index.ts';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';

/** Whose consumption to fit against the weather, over `[from, to)`, and to which reference weather. */
export interface WeatherNormalisedQuery extends TimeRange, AsOf {
  readonly buildingId: string;
  /** Default electricity. */
  readonly meterKind?: MeterKind;
  /** Default kWh. */
  readonly unit?: ReadingUnit;
  /**
   * What one model sample is: a day (the default; daily totals smooth out occupancy schedules, as
   * ASHRAE Guideline 14's degree-day models do) or an hour.
   */
  readonly sampleBy?: 'day' | 'hour';
  /** Degree-hours of the reference weather over the range; default none: the weather-independent part. */
  readonly reference?: { readonly hdd: number; readonly cdd: number };
}

/** A building's consumption with the weather's share separated out by a degree-hour model. */
export interface WeatherNormalisedConsumption {
  readonly buildingId: string;
  readonly stationId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Hours with both consumption and a temperature; only these are compared. */
  readonly hours: number;
  readonly actual: number;
  readonly heatingDegreeHours: number;
  readonly coolingDegreeHours: number;
  /** `consumption = base + heatingSlope·HDD + coolingSlope·CDD` per sample, least squares. */
  readonly model: DegreeHourModel;
  /** What the model predicts for the range's own weather: compare with `actual`. */
  readonly predicted: number;
  /** The consumption re-expressed for the reference weather. */
  readonly normalised: number;
  readonly samples: readonly {
    readonly start: Date;
    readonly consumption: number;
    readonly hdd: number;
    readonly cdd: number;
  }[];
}

/**
 * Fits consumption against the heating and cooling degree-hours of the building's weather station
 * over `[from, to)` (hourly rollups joined to the hourly weather read model by hour) and reports the
 * consumption normalised to reference weather. Undefined for an unknown building; an
 * `INVALID_ARGUMENT` error, saying why, when the building has no station or too little data to fit.
 */
export async function queryWeatherNormalised(
  db: pg.Pool | pg.ClientBase,
  query: WeatherNormalisedQuery,
): Promise<WeatherNormalisedConsumption | undefined> {
  checkRange(query);
  checkAsOf(query);
  const meterKind = query.meterKind ?? 'electricity';
  const unit = query.unit ?? 'kWh';
  const building = await db.query<{ weather_station_id: string | null }>(
    'SELECT weather_station_id FROM buildings WHERE building_id = $1',
    [query.buildingId],
  );
  const row = building.rows[0];
  if (row === undefined) return undefined;
  const stationId = row.weather_station_id;
  if (stationId === null) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `building ${query.buildingId} has no weather station`,
      {
        context: { buildingId: query.buildingId },
      },
    );
  }
  const granularity = query.sampleBy === 'hour' ? 'hour' : 'day';
  const { rows } = await db.query<{
    start: Date;
    consumption: number;
    hdd: number;
    cdd: number;
    hours: string;
  }>(
    `WITH consumption AS (
       SELECT window_start, sum(sum) AS consumption FROM rollups_1h
        WHERE building_id = $1 AND meter_id <> '' AND meter_kind = $2 AND unit = $3
          AND window_start >= $4 AND window_start < $5
          AND ($8::timestamptz IS NULL OR window_end <= $8)
        GROUP BY window_start
     )
     SELECT date_trunc($7, c.window_start, 'UTC') AS start, sum(c.consumption) AS consumption,
            sum(w.hdd) AS hdd, sum(w.cdd) AS cdd, count(*) AS hours
       FROM consumption c
       JOIN weather_hourly w ON w.station_id = $6 AND w.hour_start = c.window_start AND w.hdd IS NOT NULL
      GROUP BY 1 ORDER BY 1`,
    [query.buildingId, meterKind, unit, query.from, query.to, stationId, granularity, query.asOf ?? null],
  );
  const samples = rows.map((r) => ({ start: r.start, consumption: r.consumption, hdd: r.hdd, cdd: r.cdd }));
  if (samples.length < 3) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `only ${samples.length} ${granularity}(s) of ${query.buildingId} have both ${meterKind} consumption and weather from station ${stationId}; widen the range (at least 3 are needed)`,
      { context: { buildingId: query.buildingId, stationId, samples: samples.length } },
    );
  }
  const model = fitDegreeHourModel(samples);
  const sum = (f: (s: (typeof samples)[number]) => number) => samples.reduce((a, s) => a + f(s), 0);
  const actual = sum((s) => s.consumption);
  const hdd = sum((s) => s.hdd);
  const cdd = sum((s) => s.cdd);
  // The model is per sample: its base counts once per sample over the range.
  const perRange: DegreeHourModel = { ...model, base: model.base * samples.length };
  return {
    buildingId: query.buildingId,
    stationId,
    meterKind,
    unit,
    hours: rows.reduce((n, r) => n + Number(r.hours), 0),
    actual,
    heatingDegreeHours: hdd,
    coolingDegreeHours: cdd,
    model,
    predicted: predictConsumption(hdd, cdd, perRange),
    normalised: weatherNormalisedConsumption(actual, hdd, cdd, perRange, query.reference),
    samples,
  };
}
