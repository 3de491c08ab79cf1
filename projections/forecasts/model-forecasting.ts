import type pg from 'pg';
import {
  modelContentHash,
  predictTowt,
  seasonalNaiveForecast,
  towtFromCoefficients,
} from '../../processors/index.ts';
import {
  DAY_MS,
  derivedEventId,
  type ForecastHorizon,
  type ForecastHour,
  type ForecastIssued,
  type ForecastModelKind,
  HOUR_MS,
  type TemperatureSource,
  zoneWallClock,
} from '../../schemas/index.ts';
import type { ForecastMeter } from '../models/index.ts';

/** The model a forecast is made with, as the models read model stores it. */
export interface StoredModel {
  readonly modelId: string;
  readonly version: string;
  readonly modelKind: ForecastModelKind;
  readonly timeZone: string;
  readonly knotsC: readonly number[];
  readonly coefficients: readonly number[];
  readonly trainingSamples: number;
  readonly heldBackTo: Date;
}

/**
 * The latest model of `version` for a meter whose held-back window ended by `asOf` (so a forecast as
 * of a past time uses the model that existed then), or undefined.
 */
export async function readLatestModel(
  db: pg.Pool | pg.ClientBase,
  meterId: string,
  version: string,
  asOf: Date,
): Promise<StoredModel | undefined> {
  const { rows } = await db.query<{
    model_id: string;
    version: string;
    model_kind: ForecastModelKind;
    time_zone: string;
    knots_c: number[];
    coefficients: number[];
    training_samples: number;
    held_back_to: Date;
  }>(
    `SELECT model_id, version, model_kind, time_zone, knots_c, coefficients, training_samples, held_back_to
       FROM forecast_models WHERE meter_id = $1 AND version = $2 AND held_back_to <= $3
      ORDER BY held_back_to DESC, model_id DESC LIMIT 1`,
    [meterId, version, asOf],
  );
  const r = rows[0];
  if (r === undefined) return undefined;
  return {
    modelId: r.model_id,
    version: r.version,
    modelKind: r.model_kind,
    timeZone: r.time_zone,
    knotsC: r.knots_c,
    coefficients: r.coefficients,
    trainingSamples: r.training_samples,
    heldBackTo: r.held_back_to,
  };
}

/**
 * The hours a forecast issued at `issuedAt` covers: the building's next local day (day-ahead) or
 * next seven local days (week-ahead), as UTC hour starts (23 or 25 of them across a DST change).
 */
export function forecastHoursOf(issuedAt: Date, timeZone: string, horizon: ForecastHorizon): Date[] {
  const localDay = (t: number) => Math.floor(zoneWallClock(t, timeZone) / DAY_MS);
  const start = Math.ceil(issuedAt.getTime() / HOUR_MS) * HOUR_MS;
  const today = localDay(issuedAt.getTime());
  const days = horizon === 'day_ahead' ? 1 : 7;
  const hours: Date[] = [];
  for (let t = start; t < start + (days + 2) * DAY_MS; t += HOUR_MS) {
    const d = localDay(t);
    if (d > today && d <= today + days) hours.push(new Date(t));
  }
  return hours;
}

/** A forecast hour's temperature and where it came from. */
export interface HourTemperature {
  readonly temperatureC: number;
  readonly source: TemperatureSource;
}

/** Days of observations before the issue the climatology of an hour of day is the mean of. */
export const CLIMATOLOGY_DAYS = 14;

/**
 * The temperature of each hour at a station as known at `issuedAt`: the latest weather forecast
 * issued by then; else an observation of the hour (only for hours already past, e.g. a forecast
 * backfilled with `--as-of`: the answer names it 'observed'); else the climatology (the mean observed
 * temperature of the same UTC hour of day over the {@link CLIMATOLOGY_DAYS} days before the issue).
 * Hours with none of these are absent.
 */
export async function readForecastTemperatures(
  db: pg.Pool | pg.ClientBase,
  stationId: string,
  hours: readonly Date[],
  issuedAt: Date,
): Promise<Map<number, HourTemperature>> {
  const out = new Map<number, HourTemperature>();
  if (hours.length === 0) return out;
  const iso = hours.map((h) => h.toISOString());
  const forecasts = await db.query<{ valid_from: Date; temperature_c: number }>(
    `SELECT valid_from, temperature_c FROM weather_forecasts
      WHERE station_id = $1 AND valid_from = ANY($2::timestamptz[]) AND issued_at <= $3 AND temperature_c IS NOT NULL`,
    [stationId, iso, issuedAt],
  );
  for (const r of forecasts.rows)
    out.set(r.valid_from.getTime(), { temperatureC: r.temperature_c, source: 'forecast' });
  const observed = await db.query<{ hour_start: Date; temperature_c: number }>(
    `SELECT hour_start, temperature_c FROM weather_hourly
      WHERE station_id = $1 AND hour_start = ANY($2::timestamptz[]) AND temperature_c IS NOT NULL`,
    [stationId, iso],
  );
  for (const r of observed.rows) {
    if (!out.has(r.hour_start.getTime()))
      out.set(r.hour_start.getTime(), { temperatureC: r.temperature_c, source: 'observed' });
  }
  const climate = await db.query<{ hour_of_day: number; temperature_c: number }>(
    `SELECT extract(hour FROM hour_start AT TIME ZONE 'UTC')::int AS hour_of_day, avg(temperature_c) AS temperature_c
       FROM weather_hourly
      WHERE station_id = $1 AND hour_start >= $2 AND hour_start < $3 AND temperature_c IS NOT NULL
      GROUP BY 1`,
    [stationId, new Date(issuedAt.getTime() - CLIMATOLOGY_DAYS * DAY_MS), issuedAt],
  );
  const byHourOfDay = new Map(climate.rows.map((r) => [r.hour_of_day, r.temperature_c]));
  for (const h of hours) {
    if (out.has(h.getTime())) continue;
    const t = byHourOfDay.get(h.getUTCHours());
    if (t !== undefined) out.set(h.getTime(), { temperatureC: t, source: 'climatology' });
  }
  return out;
}

/** A meter's hourly consumption over the two weeks before `issuedAt`: the seasonal-naive history. */
export async function readRecentConsumption(
  db: pg.Pool | pg.ClientBase,
  meter: ForecastMeter,
  issuedAt: Date,
): Promise<Map<number, number>> {
  const { rows } = await db.query<{ window_start: Date; sum: number }>(
    `SELECT window_start, sum FROM rollups_1h
      WHERE building_id = $1 AND meter_id = $2 AND meter_kind = $3 AND unit = $4
        AND window_start >= $5 AND window_start < $6`,
    [
      meter.buildingId,
      meter.meterId,
      meter.meterKind,
      meter.unit,
      new Date(issuedAt.getTime() - 14 * DAY_MS),
      issuedAt,
    ],
  );
  return new Map(rows.map((r) => [r.window_start.getTime(), r.sum]));
}

export const MODEL_FORECASTER_SOURCE = 'model-forecaster';

/**
 * A model's forecast of a meter as a `ForecastIssued` event, a pure function of its inputs: event
 * time is the issue time and the event id derives from the model, horizon, issue time and values,
 * so re-issuing the same forecast gives a duplicate the read model ignores. Undefined when no hour
 * could be forecast.
 */
export function issueForecast(args: {
  readonly meter: ForecastMeter;
  readonly model: StoredModel;
  readonly horizon: ForecastHorizon;
  readonly issuedAt: Date;
  readonly hours: readonly Date[];
  /** Temperatures by hour start (epoch ms); needed by towt. */
  readonly temperatures: ReadonlyMap<number, HourTemperature>;
  /** Consumption by hour start (epoch ms) before the issue; needed by seasonal naive. */
  readonly history: ReadonlyMap<number, number>;
}): ForecastIssued | undefined {
  const { meter, model, horizon, issuedAt } = args;
  const out: ForecastHour[] = [];
  if (model.modelKind === 'towt') {
    const towt = towtFromCoefficients({
      timeZone: model.timeZone,
      knotsC: model.knotsC,
      coefficients: model.coefficients,
      samples: model.trainingSamples,
    });
    for (const hourStart of args.hours) {
      const t = args.temperatures.get(hourStart.getTime());
      if (t === undefined) continue;
      out.push({
        hourStart,
        value: predictTowt(towt, hourStart, t.temperatureC),
        temperatureC: t.temperatureC,
        temperatureSource: t.source,
      });
    }
  } else {
    for (const hourStart of args.hours) {
      const value = seasonalNaiveForecast(args.history, hourStart, issuedAt);
      if (value !== undefined) out.push({ hourStart, value, temperatureC: null, temperatureSource: null });
    }
  }
  if (out.length === 0) return undefined;
  const contentHash = modelContentHash(out);
  return {
    eventId: derivedEventId('forecast-issued', model.modelId, horizon, issuedAt.toISOString(), contentHash),
    occurredAt: issuedAt,
    source: MODEL_FORECASTER_SOURCE,
    modelId: model.modelId,
    modelKind: model.modelKind,
    version: model.version,
    meterId: meter.meterId,
    buildingId: meter.buildingId,
    meterKind: meter.meterKind,
    unit: meter.unit,
    issuedAt,
    horizon,
    stationId: model.modelKind === 'towt' ? meter.stationId : null,
    hours: out,
    traceContext: null,
  };
}
