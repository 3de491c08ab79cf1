import type { WeatherForecast } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** The forecast in force for one station and validity start: the latest issue. */
export interface WeatherForecastRow {
  readonly event: WeatherForecast;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's forecasts, at most one per (station, validFrom). */
export interface WeatherForecastsChanges {
  readonly rows: Map<string, WeatherForecastRow>;
}

/** The later issue wins whatever order the log holds them in; the position breaks a tie. */
function supersedes(a: WeatherForecastRow, b: WeatherForecastRow): boolean {
  const ai = a.event.issuedAt.getTime();
  const bi = b.event.issuedAt.getTime();
  if (ai !== bi) return ai > bi;
  const ao = BigInt(a.sourceOffset);
  const bo = BigInt(b.sourceOffset);
  return ao !== bo ? ao > bo : a.sourcePartition > b.sourcePartition;
}

const DDL = `
CREATE TABLE IF NOT EXISTS weather_forecasts (
  station_id         text NOT NULL,
  valid_from         timestamptz NOT NULL,
  valid_to           timestamptz NOT NULL,
  temperature_c      double precision,
  relative_humidity_pct double precision,
  wind_speed_kmh     double precision,
  precipitation_mm   double precision,
  provider           text NOT NULL,
  issued_at          timestamptz NOT NULL,
  event_id           uuid NOT NULL,
  source_partition   integer NOT NULL,
  source_offset      bigint NOT NULL,
  PRIMARY KEY (station_id, valid_from)
);
`;

/**
 * The latest weather forecast per station and validity start, from the `weather-forecasts` topic
 * (which keeps every issue): what a day-ahead energy forecast reads its temperatures from.
 */
export const weatherForecastsProjection: PostgresProjection<'weatherForecasts', WeatherForecastsChanges> = {
  store: 'postgres',
  name: 'weather-forecasts',
  description:
    'Latest weather forecast per station and hour (newest issue wins), the temperatures of energy forecasts.',
  handles: ['weatherForecasts'],
  initial: () => ({ rows: new Map() }),
  evolve(state, input: ProjectionEvent<'weatherForecasts'>) {
    const row = { event: input.event, sourcePartition: input.partition, sourceOffset: input.offset };
    const key = `${input.event.stationId}\u0000${input.event.validFrom.getTime()}`;
    const seen = state.rows.get(key);
    if (seen === undefined || supersedes(row, seen)) state.rows.set(key, row);
    return state;
  },
  ddl: () => DDL,
  readerViews: ['weather_forecasts'],
  async apply(client, changes) {
    const rows = [...changes.rows.values()];
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO weather_forecasts (station_id, valid_from, valid_to, temperature_c, relative_humidity_pct,
         wind_speed_kmh, precipitation_mm, provider, issued_at, event_id, source_partition, source_offset)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[],
         $7::float8[], $8::text[], $9::timestamptz[], $10::uuid[], $11::int[], $12::bigint[])
       ON CONFLICT (station_id, valid_from) DO UPDATE SET
         valid_to = excluded.valid_to, temperature_c = excluded.temperature_c,
         relative_humidity_pct = excluded.relative_humidity_pct, wind_speed_kmh = excluded.wind_speed_kmh,
         precipitation_mm = excluded.precipitation_mm, provider = excluded.provider, issued_at = excluded.issued_at,
         event_id = excluded.event_id, source_partition = excluded.source_partition, source_offset = excluded.source_offset
       WHERE (weather_forecasts.issued_at, weather_forecasts.source_offset, weather_forecasts.source_partition)
           < (excluded.issued_at, excluded.source_offset, excluded.source_partition)`,
      [
        rows.map((r) => r.event.stationId),
        rows.map((r) => r.event.validFrom.toISOString()),
        rows.map((r) => r.event.validTo.toISOString()),
        rows.map((r) => r.event.temperatureC ?? null),
        rows.map((r) => r.event.relativeHumidityPct ?? null),
        rows.map((r) => r.event.windSpeedKmh ?? null),
        rows.map((r) => r.event.precipitationMm ?? null),
        rows.map((r) => r.event.provider),
        rows.map((r) => r.event.issuedAt.toISOString()),
        rows.map((r) => r.event.eventId),
        rows.map((r) => r.sourcePartition),
        rows.map((r) => r.sourceOffset),
      ],
    );
  },
};
