import type pg from 'pg';
import { checkRange, type TimeRange } from '../query-arguments.ts';

/** Which station's hourly observations to read, over `[from, to)`. */
export interface WeatherHoursQuery extends TimeRange {
  readonly stationId: string;
}

/** One hour of a station's weather as a chart draws it. */
export interface WeatherHour {
  readonly hourStart: Date;
  /** Null when the hour's observations carried no temperature. */
  readonly temperatureC: number | null;
}

/** The hourly weather of a station over `[from, to)`, oldest first (one row per hour at most). */
export async function queryWeatherHours(
  db: pg.Pool | pg.ClientBase,
  query: WeatherHoursQuery,
): Promise<WeatherHour[]> {
  checkRange(query, '1h');
  const { rows } = await db.query<{ hour_start: Date; temperature_c: number | null }>(
    `SELECT hour_start, temperature_c FROM weather_hourly
      WHERE station_id = $1 AND hour_start >= $2 AND hour_start < $3
      ORDER BY hour_start`,
    [query.stationId, query.from, query.to],
  );
  return rows.map((r) => ({ hourStart: r.hour_start, temperatureC: r.temperature_c }));
}
