import type pg from 'pg';
import type { SensorReading } from '../../schemas/index.ts';
import { isAfter, type Positioned } from '../positioned-event.ts';
import type { PostgresDdlContext, PostgresProjection, ProjectionEvent } from '../projection.ts';
import { ensureMonthlyPartitions, ensureMonthlyPartitionsNow, monthsOf } from '../schema/index.ts';

/**
 * What one batch changes: per (meter, event time) the reading furthest along the log, and per
 * meter the reading latest in event time (then log position). Keyed, so one INSERT touches a row
 * once, however many duplicates and corrections the batch carries.
 */
export interface ReadingsChanges {
  readonly readings: Map<string, Positioned<SensorReading>>;
  readonly latest: Map<string, Positioned<SensorReading>>;
}

/** Natural key of a reading row. */
export const readingKey = (r: SensorReading): string => `${r.meterId}\u0000${r.occurredAt.getTime()}`;

/** True when `a` is the newer latest reading: later event time, then later log position. */
export const laterInTime = (a: Positioned<SensorReading>, b: Positioned<SensorReading>): boolean =>
  a.event.occurredAt.getTime() > b.event.occurredAt.getTime() ||
  (a.event.occurredAt.getTime() === b.event.occurredAt.getTime() && isAfter(a, b));

/** Pure fold of one reading into a batch's change set (mutates only the batch's own state). */
export function evolveReadings(
  state: ReadingsChanges,
  { event, partition, offset }: ProjectionEvent<'sensorReadings'>,
): ReadingsChanges {
  const positioned: Positioned<SensorReading> = { event, partition, offset };
  const key = readingKey(event);
  const seen = state.readings.get(key);
  if (seen === undefined || isAfter(positioned, seen)) state.readings.set(key, positioned);
  const latest = state.latest.get(event.meterId);
  if (latest === undefined || laterInTime(positioned, latest)) state.latest.set(event.meterId, positioned);
  return state;
}

const COLUMNS = `meter_id         text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  building_id      text NOT NULL,
  meter_kind       text NOT NULL,
  value            double precision NOT NULL,
  unit             text NOT NULL,
  event_id         uuid NOT NULL,
  source           text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  PRIMARY KEY (meter_id, occurred_at)`;

/**
 * Plain PostgreSQL: `readings` partitioned by month of event time (partitions created on demand by
 * `apply`). TimescaleDB: a hypertable with 7-day chunks, compressed by meter after 30 days. The
 * unique key (meter_id, occurred_at) includes the time column, as both require.
 */
/** Per-meter buckets of `readings`, named like the rollups' reader views' sizes. */
const BUCKETS = [
  { view: 'readings_15m', size: 'PT15M', width: '15 minutes' },
  { view: 'readings_1h', size: 'PT1H', width: '1 hour' },
  { view: 'readings_1d', size: 'P1D', width: '1 day' },
] as const;

/**
 * Sums, means, minima, maxima and counts of `readings` per meter and bucket. With TimescaleDB they
 * are continuous aggregates, refreshed incrementally by a policy (real-time aggregation covers the
 * not yet materialised tail); without it, plain views that aggregate on read. They complement the
 * `rollups` read model (folded from the windows processors' aggregates, with their lateness and
 * corrections): these follow the stored readings as they are, corrections included.
 */
function bucketsDdl(timescale: boolean): string {
  return BUCKETS.map(({ view, size, width }) => {
    const select = `SELECT meter_id, building_id, meter_kind, unit, '${size}'::text AS window_size,
        ${timescale ? 'time_bucket' : 'date_bin'}('${width}'::interval, occurred_at${timescale ? '' : ", TIMESTAMPTZ '2000-01-01 00:00:00+00'"}) AS window_start,
        sum(value) AS sum, avg(value) AS mean, min(value) AS min, max(value) AS max, count(*) AS count
      FROM readings GROUP BY 1, 2, 3, 4, 5, 6`;
    return timescale
      ? `CREATE MATERIALIZED VIEW ${view} WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS ${select} WITH NO DATA;
         SELECT add_continuous_aggregate_policy('${view}', start_offset => INTERVAL '30 days',
           end_offset => INTERVAL '${width}', schedule_interval => INTERVAL '${width === '1 day' ? '1 hour' : width}');`
      : `CREATE VIEW ${view} AS ${select};`;
  }).join('\n');
}

export function readingsDdl({ timescale }: PostgresDdlContext): string {
  const readings = timescale
    ? `CREATE TABLE readings (${COLUMNS});
       SELECT create_hypertable('readings', 'occurred_at', chunk_time_interval => INTERVAL '7 days');
       ALTER TABLE readings SET (timescaledb.compress, timescaledb.compress_segmentby = 'meter_id',
                                 timescaledb.compress_orderby = 'occurred_at DESC');
       SELECT add_compression_policy('readings', INTERVAL '30 days');`
    : `CREATE TABLE readings (${COLUMNS}) PARTITION BY RANGE (occurred_at);`;
  return `${readings}
    CREATE INDEX readings_building_time ON readings (building_id, occurred_at DESC);
    CREATE TABLE latest_readings (
      meter_id         text PRIMARY KEY,
      building_id      text NOT NULL,
      meter_kind       text NOT NULL,
      value            double precision NOT NULL,
      unit             text NOT NULL,
      occurred_at      timestamptz NOT NULL,
      event_id         uuid NOT NULL,
      source_partition integer NOT NULL,
      source_offset    bigint NOT NULL
    );
    CREATE INDEX latest_readings_building ON latest_readings (building_id, meter_kind);
    ${bucketsDdl(timescale)}`;
}

function columns(rows: readonly Positioned<SensorReading>[]) {
  return [
    rows.map((r) => r.event.meterId),
    rows.map((r) => r.event.occurredAt.toISOString()),
    rows.map((r) => r.event.buildingId),
    rows.map((r) => r.event.meterKind),
    rows.map((r) => r.event.value),
    rows.map((r) => r.event.unit),
    rows.map((r) => r.event.eventId),
    rows.map((r) => r.event.source),
    rows.map((r) => r.partition),
    rows.map((r) => r.offset),
  ];
}

/**
 * Both upserts in one statement over one set of arrays: the batch's readings (ordinals up to $11)
 * and, among them, the latest reading of each meter (ordinals $12). One round trip and one set of
 * array parameters per batch instead of two; the rows the fold chose are written unchanged.
 */
const UPSERT_READINGS_AND_LATEST = `
  WITH t AS (
    SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::float8[], $6::text[],
                         $7::uuid[], $8::text[], $9::int[], $10::bigint[]) WITH ORDINALITY
      AS t(meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source, source_partition, source_offset, ord)
  ), readings_upserted AS (
    INSERT INTO readings (meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source, source_partition, source_offset)
    SELECT meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source, source_partition, source_offset
      FROM t WHERE ord <= $11
    ON CONFLICT (meter_id, occurred_at) DO UPDATE SET
      building_id = excluded.building_id, meter_kind = excluded.meter_kind, value = excluded.value,
      unit = excluded.unit, event_id = excluded.event_id, source = excluded.source,
      source_partition = excluded.source_partition, source_offset = excluded.source_offset
    WHERE readings.source_offset < excluded.source_offset
  )
  INSERT INTO latest_readings (meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source_partition, source_offset)
  SELECT meter_id, occurred_at, building_id, meter_kind, value, unit, event_id, source_partition, source_offset
    FROM t WHERE ord = ANY($12::bigint[])
  ON CONFLICT (meter_id) DO UPDATE SET
    occurred_at = excluded.occurred_at, building_id = excluded.building_id, meter_kind = excluded.meter_kind,
    value = excluded.value, unit = excluded.unit, event_id = excluded.event_id,
    source_partition = excluded.source_partition, source_offset = excluded.source_offset
  WHERE (latest_readings.occurred_at, latest_readings.source_offset) < (excluded.occurred_at, excluded.source_offset)`;

/**
 * One set-based statement. Idempotent: re-applying the same log positions changes nothing, and an
 * earlier position never overwrites a later one (a re-sent duplicate is a no-op, a correction wins).
 */
export async function applyReadings(
  client: pg.ClientBase,
  changes: ReadingsChanges,
  context: PostgresDdlContext = { timescale: false },
): Promise<void> {
  const rows = [...changes.readings.values()];
  if (rows.length === 0) return;
  // Usually a lookup only: the engine created the partitions beforehand (see `prepare`).
  if (!context.timescale)
    await ensureMonthlyPartitions(client, 'readings', monthsOf(rows.map((r) => r.event.occurredAt)));
  // The fold keeps each meter's latest reading as the very object it keeps for its (meter, time)
  // row, so it is found by identity; one that is not (a change set built otherwise) is sent after
  // the readings rows, for latest_readings only.
  const ordinals = new Map(rows.map((r, i) => [r, i + 1]));
  const readingsCount = rows.length;
  const latest: number[] = [];
  for (const reading of changes.latest.values()) {
    let ordinal = ordinals.get(reading);
    if (ordinal === undefined) {
      rows.push(reading);
      ordinal = rows.length;
    }
    latest.push(ordinal);
  }
  await client.query(UPSERT_READINGS_AND_LATEST, [...columns(rows), readingsCount, latest]);
}

/** Every reading by (meter, event time), and the latest reading of each meter, in PostgreSQL. */
export const readingsProjection: PostgresProjection<'sensorReadings', ReadingsChanges> = {
  name: 'readings',
  description: 'Every reading by (meter, event time), monthly partitions; the latest reading per meter',
  store: 'postgres',
  handles: ['sensorReadings'],
  initial: () => ({ readings: new Map(), latest: new Map() }),
  evolve: evolveReadings,
  ddl: readingsDdl,
  readerViews: ['readings', 'latest_readings', ...BUCKETS.map((b) => b.view)],
  apply: applyReadings,
  prepare: async (pool, schema, events, context) => {
    if (!context.timescale)
      await ensureMonthlyPartitionsNow(
        pool,
        schema,
        'readings',
        monthsOf(events.map((e) => e.event.occurredAt)),
      );
  },
};
