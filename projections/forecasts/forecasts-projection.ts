import type { ForecastHorizon, ForecastIssued } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** One forecast hour of one meter, version and horizon, from the issue that holds it. */
export interface ForecastHourRow {
  readonly meterId: string;
  readonly buildingId: string;
  readonly version: string;
  readonly horizon: ForecastHorizon;
  readonly hourStart: Date;
  readonly modelId: string;
  readonly modelKind: string;
  readonly meterKind: string;
  readonly unit: string;
  readonly value: number;
  readonly temperatureC: number | null;
  readonly temperatureSource: string | null;
  readonly stationId: string | null;
  readonly issuedAt: Date;
  readonly eventId: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One batch's forecast hours, at most one per (meter, version, horizon, hour). */
export interface ForecastsChanges {
  readonly hours: Map<string, ForecastHourRow>;
}

const hourKey = (r: ForecastHourRow): string =>
  `${r.meterId}\u0000${r.version}\u0000${r.horizon}\u0000${r.hourStart.getTime()}`;

/**
 * True when `a` supersedes `b`: the later issue wins, whatever order the log holds them in (a
 * re-run for an earlier as-of appends an older issue), then the position breaks a tie.
 */
function supersedes(a: ForecastHourRow, b: ForecastHourRow): boolean {
  if (a.issuedAt.getTime() !== b.issuedAt.getTime()) return a.issuedAt > b.issuedAt;
  const ao = BigInt(a.sourceOffset);
  const bo = BigInt(b.sourceOffset);
  return ao !== bo ? ao > bo : a.sourcePartition > b.sourcePartition;
}

/** The hours of one issue as rows. */
export function forecastHourRows(e: ForecastIssued, partition: number, offset: string): ForecastHourRow[] {
  return e.hours.map((h) => ({
    meterId: e.meterId,
    buildingId: e.buildingId,
    version: e.version,
    horizon: e.horizon,
    hourStart: h.hourStart,
    modelId: e.modelId,
    modelKind: e.modelKind,
    meterKind: e.meterKind,
    unit: e.unit,
    value: h.value,
    temperatureC: h.temperatureC ?? null,
    temperatureSource: h.temperatureSource ?? null,
    stationId: e.stationId ?? null,
    issuedAt: e.issuedAt,
    eventId: e.eventId,
    sourcePartition: partition,
    sourceOffset: offset,
  }));
}

const DDL = (timescale: boolean): string => `
CREATE TABLE IF NOT EXISTS forecast_hours (
  meter_id           text NOT NULL,
  building_id        text NOT NULL,
  version            text NOT NULL,
  horizon            text NOT NULL,
  hour_start         timestamptz NOT NULL,
  model_id           text NOT NULL,
  model_kind         text NOT NULL,
  meter_kind         text NOT NULL,
  unit               text NOT NULL,
  value              double precision NOT NULL,
  temperature_c      double precision,
  temperature_source text,
  station_id         text,
  issued_at          timestamptz NOT NULL,
  event_id           uuid NOT NULL,
  source_partition   integer NOT NULL,
  source_offset      bigint NOT NULL,
  PRIMARY KEY (meter_id, version, horizon, hour_start)
);
${
  timescale
    ? `SELECT create_hypertable('forecast_hours', 'hour_start', chunk_time_interval => interval '30 days',
                         if_not_exists => TRUE, migrate_data => TRUE);`
    : ''
}
CREATE INDEX IF NOT EXISTS forecast_hours_building ON forecast_hours (building_id, horizon, hour_start);
CREATE INDEX IF NOT EXISTS forecast_hours_version ON forecast_hours (version, horizon, hour_start);
`;

/**
 * Forecast hours per meter, model version and horizon, exploded from `ForecastIssued`: for each
 * hour the latest issue holds, so live accuracy compares the forecast made closest before the hour.
 */
export const forecastsProjection: PostgresProjection<'forecasts', ForecastsChanges> = {
  store: 'postgres',
  name: 'forecasts',
  description:
    'Hourly forecasts per meter, model version and horizon (latest issue per hour), joined with rollups for live accuracy.',
  handles: ['forecasts'],
  initial: () => ({ hours: new Map() }),
  evolve(state, input: ProjectionEvent<'forecasts'>) {
    for (const row of forecastHourRows(input.event, input.partition, input.offset)) {
      const key = hourKey(row);
      const seen = state.hours.get(key);
      if (seen === undefined || supersedes(row, seen)) state.hours.set(key, row);
    }
    return state;
  },
  ddl: ({ timescale }) => DDL(timescale),
  readerViews: ['forecast_hours'],
  async apply(client, changes) {
    const rows = [...changes.hours.values()];
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO forecast_hours (meter_id, building_id, version, horizon, hour_start, model_id, model_kind, meter_kind,
         unit, value, temperature_c, temperature_source, station_id, issued_at, event_id, source_partition, source_offset)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::float8[], $11::float8[], $12::text[], $13::text[], $14::timestamptz[], $15::uuid[],
         $16::int[], $17::bigint[])
       ON CONFLICT (meter_id, version, horizon, hour_start) DO UPDATE SET
         building_id = excluded.building_id, model_id = excluded.model_id, model_kind = excluded.model_kind,
         meter_kind = excluded.meter_kind, unit = excluded.unit, value = excluded.value,
         temperature_c = excluded.temperature_c, temperature_source = excluded.temperature_source,
         station_id = excluded.station_id, issued_at = excluded.issued_at, event_id = excluded.event_id,
         source_partition = excluded.source_partition, source_offset = excluded.source_offset
       WHERE (forecast_hours.issued_at, forecast_hours.source_offset, forecast_hours.source_partition)
           < (excluded.issued_at, excluded.source_offset, excluded.source_partition)`,
      [
        rows.map((r) => r.meterId),
        rows.map((r) => r.buildingId),
        rows.map((r) => r.version),
        rows.map((r) => r.horizon),
        rows.map((r) => r.hourStart.toISOString()),
        rows.map((r) => r.modelId),
        rows.map((r) => r.modelKind),
        rows.map((r) => r.meterKind),
        rows.map((r) => r.unit),
        rows.map((r) => r.value),
        rows.map((r) => r.temperatureC),
        rows.map((r) => r.temperatureSource),
        rows.map((r) => r.stationId),
        rows.map((r) => r.issuedAt.toISOString()),
        rows.map((r) => r.eventId),
        rows.map((r) => r.sourcePartition),
        rows.map((r) => r.sourceOffset),
      ],
    );
  },
};
