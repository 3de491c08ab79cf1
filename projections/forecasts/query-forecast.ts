import type pg from 'pg';
import type { ForecastHorizon, MeterKind, ReadingUnit, TemperatureSource } from '../../schemas/index.ts';
import {
  listForecastMeters,
  type ModelView,
  queryModelsById,
  queryVersionChoice,
  type VersionChoice,
} from '../models/index.ts';
import { forecastHoursOf } from './model-forecasting.ts';

/** Whose forecast, which horizon, as of when (the next local day or week after `now`). */
export interface ForecastQuery {
  readonly buildingId: string;
  readonly meterId?: string;
  readonly horizon: ForecastHorizon;
  /** Use this version instead of the promoted one. */
  readonly version?: string;
  readonly now: Date;
}

/** One stored forecast hour. */
export interface ForecastHourView {
  readonly hourStart: Date;
  readonly value: number;
  readonly temperatureC: number | null;
  readonly temperatureSource: TemperatureSource | null;
}

/** One meter's forecast over the horizon, and the model behind it. */
export interface MeterForecastView {
  readonly meterId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly choice: VersionChoice;
  /** The models that made the stored hours (one, unless the hours came from several issues). */
  readonly models: readonly ModelView[];
  /** True when a model of the chosen version exists for the meter, even if nothing is forecast yet. */
  readonly hasModel: boolean;
  readonly issuedAt: Date | null;
  readonly hours: readonly ForecastHourView[];
  readonly total: number;
}

/** A building's forecast; undefined for an unknown building, meters empty for an unknown meter. */
export interface BuildingForecastView {
  readonly buildingId: string;
  readonly timeZone: string;
  readonly stationId: string | null;
  readonly horizon: ForecastHorizon;
  /** The hours the horizon covers. */
  readonly from: Date;
  readonly to: Date;
  readonly hoursExpected: number;
  readonly meters: readonly MeterForecastView[];
}

/**
 * The stored forecast of a building's meters (or one meter) for the next local day or week after
 * `now`, each from the version promoted for it (or the one asked for), with the models behind it.
 */
export async function queryForecast(
  db: pg.Pool | pg.ClientBase,
  query: ForecastQuery,
): Promise<BuildingForecastView | undefined> {
  const building = await db.query<{ timezone: string; weather_station_id: string | null }>(
    'SELECT timezone, weather_station_id FROM buildings WHERE building_id = $1',
    [query.buildingId],
  );
  const b = building.rows[0];
  if (b === undefined) return undefined;
  const hours = forecastHoursOf(query.now, b.timezone, query.horizon);
  const first = hours[0] ?? query.now;
  const last = hours.at(-1) ?? query.now;
  const to = new Date(last.getTime() + 3_600_000);
  const meters = await listForecastMeters(db, {
    buildingId: query.buildingId,
    ...(query.meterId === undefined ? {} : { meterIds: [query.meterId] }),
  });
  const views: MeterForecastView[] = [];
  for (const meter of meters) {
    const choice: VersionChoice =
      query.version === undefined
        ? await queryVersionChoice(db, meter.meterId, meter.buildingId)
        : {
            version: query.version,
            scope: 'default',
            promotedBy: null,
            promotedAt: null,
            reason: 'asked for',
          };
    const { rows } = await db.query<{
      hour_start: Date;
      value: number;
      temperature_c: number | null;
      temperature_source: TemperatureSource | null;
      model_id: string;
      issued_at: Date;
    }>(
      `SELECT hour_start, value, temperature_c, temperature_source, model_id, issued_at FROM forecast_hours
        WHERE meter_id = $1 AND version = $2 AND horizon = $3 AND hour_start >= $4 AND hour_start < $5
        ORDER BY hour_start`,
      [meter.meterId, choice.version, query.horizon, first, to],
    );
    const modelIds = [...new Set(rows.map((r) => r.model_id))];
    const hasModel =
      modelIds.length > 0 ||
      (
        await db.query('SELECT 1 FROM forecast_models WHERE meter_id = $1 AND version = $2 LIMIT 1', [
          meter.meterId,
          choice.version,
        ])
      ).rowCount !== 0;
    views.push({
      meterId: meter.meterId,
      meterKind: meter.meterKind,
      unit: meter.unit,
      choice,
      models: await queryModelsById(db, modelIds),
      hasModel,
      issuedAt: rows.reduce<Date | null>(
        (max, r) => (max === null || r.issued_at > max ? r.issued_at : max),
        null,
      ),
      hours: rows.map((r) => ({
        hourStart: r.hour_start,
        value: r.value,
        temperatureC: r.temperature_c,
        temperatureSource: r.temperature_source,
      })),
      total: rows.reduce((s, r) => s + r.value, 0),
    });
  }
  return {
    buildingId: query.buildingId,
    timeZone: b.timezone,
    stationId: b.weather_station_id,
    horizon: query.horizon,
    from: first,
    to,
    hoursExpected: hours.length,
    meters: views,
  };
}
