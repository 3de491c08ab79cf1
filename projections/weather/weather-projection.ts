import { DEFAULT_DEGREE_HOUR_BASES, type DegreeHourBases, degreeHours } from '../../processors/index.ts';
import type { WeatherObservation } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** One row of `weather_hourly`: one station and UTC hour, with its degree-hours. */
export interface WeatherHourRow {
  readonly stationId: string;
  /** Start of the UTC hour (the hourly event's occurredAt). */
  readonly hourStart: Date;
  readonly temperatureC: number | null;
  readonly dewPointC: number | null;
  readonly relativeHumidityPct: number | null;
  readonly pressureHpa: number | null;
  readonly windSpeedKmh: number | null;
  readonly windDirectionDeg: number | null;
  readonly precipitationMm: number | null;
  readonly conditions: string | null;
  /** Heating degree-hours of the hour; null when its temperature is missing. */
  readonly hdd: number | null;
  /** Cooling degree-hours of the hour; null when its temperature is missing. */
  readonly cdd: number | null;
  readonly eventId: string;
  readonly source: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's hours, at most one row per (station, hour). */
export interface WeatherChanges {
  readonly hours: Map<string, WeatherHourRow>;
}

/** Natural key of an hour: station and hour start. */
export const weatherHourKey = (row: Pick<WeatherHourRow, 'stationId' | 'hourStart'>): string =>
  `${row.stationId}\u0000${row.hourStart.getTime()}`;

/** True when `a` is further along the log than `b` (one station's hours share a partition). */
function isLater(a: WeatherHourRow, b: WeatherHourRow): boolean {
  const ao = BigInt(a.sourceOffset);
  const bo = BigInt(b.sourceOffset);
  return ao !== bo ? ao > bo : a.sourcePartition > b.sourcePartition;
}

function keepLater(hours: Map<string, WeatherHourRow>, row: WeatherHourRow): void {
  const key = weatherHourKey(row);
  const seen = hours.get(key);
  if (seen === undefined || isLater(row, seen)) hours.set(key, row);
}

/** What `apply` does to stored rows, as a pure function: per hour, the row furthest along the log wins. */
export function mergeWeatherChanges(earlier: WeatherChanges, later: WeatherChanges): WeatherChanges {
  const hours = new Map(earlier.hours);
  for (const row of later.hours.values()) keepLater(hours, row);
  return { hours };
}

const ddl = (timescale: boolean): string => `
CREATE TABLE IF NOT EXISTS weather_hourly (
  station_id            text NOT NULL,
  hour_start            timestamptz NOT NULL,
  temperature_c         double precision,
  dew_point_c           double precision,
  relative_humidity_pct double precision,
  pressure_hpa          double precision,
  wind_speed_kmh        double precision,
  wind_direction_deg    double precision,
  precipitation_mm      double precision,
  conditions            text,
  hdd                   double precision,
  cdd                   double precision,
  event_id              uuid NOT NULL,
  source                text NOT NULL,
  source_partition      integer NOT NULL,
  source_offset         bigint NOT NULL,
  PRIMARY KEY (station_id, hour_start)
);
${
  timescale
    ? // The key includes the time column, as a hypertable's unique indexes must.
      `SELECT create_hypertable('weather_hourly', 'hour_start', chunk_time_interval => interval '30 days',
                         if_not_exists => TRUE, migrate_data => TRUE);`
    : ''
}
CREATE INDEX IF NOT EXISTS weather_hourly_time ON weather_hourly (hour_start DESC);
`;

/**
 * Hourly weather per station from the `weather-hourly` topic, with heating and cooling
 * degree-hours computed in `evolve` from `bases` (default 15.5 / 18.3 degC), so a rebuild with other
 * bases is a new generation of this projection, never an in-place recomputation.
 */
export function createWeatherProjection(
  bases: DegreeHourBases = DEFAULT_DEGREE_HOUR_BASES,
): PostgresProjection<'weatherHourly', WeatherChanges> {
  const dh = degreeHours(bases);
  const rowOf = (e: WeatherObservation, partition: number, offset: string): WeatherHourRow => {
    const degree = dh.ofHour(e);
    return {
      stationId: e.stationId,
      hourStart: e.occurredAt,
      temperatureC: e.temperatureC ?? null,
      dewPointC: e.dewPointC ?? null,
      relativeHumidityPct: e.relativeHumidityPct ?? null,
      pressureHpa: e.pressureHpa ?? null,
      windSpeedKmh: e.windSpeedKmh ?? null,
      windDirectionDeg: e.windDirectionDeg ?? null,
      precipitationMm: e.precipitationMm ?? null,
      conditions: e.conditions ?? null,
      hdd: degree?.heating ?? null,
      cdd: degree?.cooling ?? null,
      eventId: e.eventId,
      source: e.source,
      sourcePartition: partition,
      sourceOffset: offset,
    };
  };
  return {
    store: 'postgres',
    name: 'weather',
    description: `Hourly weather per station with heating/cooling degree-hours (bases ${dh.bases.heatingBaseC} / ${dh.bases.coolingBaseC} degC).`,
    handles: ['weatherHourly'],
    initial: () => ({ hours: new Map() }),
    evolve(state, input: ProjectionEvent<'weatherHourly'>) {
      keepLater(state.hours, rowOf(input.event, input.partition, input.offset));
      return state;
    },
    ddl: ({ timescale }) => ddl(timescale),
    readerViews: ['weather_hourly'],
    async apply(client, changes) {
      const rows = [...changes.hours.values()];
      if (rows.length === 0) return;
      await client.query(
        `INSERT INTO weather_hourly (station_id, hour_start, temperature_c, dew_point_c, relative_humidity_pct,
           pressure_hpa, wind_speed_kmh, wind_direction_deg, precipitation_mm, conditions, hdd, cdd, event_id, source,
           source_partition, source_offset)
         SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
           $7::float8[], $8::float8[], $9::float8[], $10::text[], $11::float8[], $12::float8[], $13::uuid[], $14::text[],
           $15::int[], $16::bigint[])
         ON CONFLICT (station_id, hour_start) DO UPDATE SET
           temperature_c = excluded.temperature_c, dew_point_c = excluded.dew_point_c,
           relative_humidity_pct = excluded.relative_humidity_pct, pressure_hpa = excluded.pressure_hpa,
           wind_speed_kmh = excluded.wind_speed_kmh, wind_direction_deg = excluded.wind_direction_deg,
           precipitation_mm = excluded.precipitation_mm, conditions = excluded.conditions, hdd = excluded.hdd,
           cdd = excluded.cdd, event_id = excluded.event_id, source = excluded.source,
           source_partition = excluded.source_partition, source_offset = excluded.source_offset
         WHERE (weather_hourly.source_offset, weather_hourly.source_partition)
             < (excluded.source_offset, excluded.source_partition)`,
        [
          rows.map((r) => r.stationId),
          rows.map((r) => r.hourStart.toISOString()),
          rows.map((r) => r.temperatureC),
          rows.map((r) => r.dewPointC),
          rows.map((r) => r.relativeHumidityPct),
          rows.map((r) => r.pressureHpa),
          rows.map((r) => r.windSpeedKmh),
          rows.map((r) => r.windDirectionDeg),
          rows.map((r) => r.precipitationMm),
          rows.map((r) => r.conditions),
          rows.map((r) => r.hdd),
          rows.map((r) => r.cdd),
          rows.map((r) => r.eventId),
          rows.map((r) => r.source),
          rows.map((r) => r.sourcePartition),
          rows.map((r) => r.sourceOffset),
        ],
      );
    },
  };
}

/** The weather read model with the default degree-hour bases. */
export const weatherProjection = createWeatherProjection();
