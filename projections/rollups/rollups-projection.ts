import type pg from 'pg';
import type { ReadingAggregate } from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** Revision the windows processor gives a delta (a late reading past the correction horizon). */
const DELTA_REVISION = -1;

/** What a window's row is identified by: scope (meter or building), subject, kind, unit, size, start. */
export function rollupKey(a: ReadingAggregate): string {
  return [a.buildingId, a.meterId ?? '', a.meterKind, a.unit, a.windowSize, a.windowStart.getTime()].join(
    '\u0000',
  );
}

/** A window as one batch decided to write it. */
export interface RollupChange {
  readonly aggregate: ReadingAggregate;
  readonly partition: number;
  readonly offset: string;
}

/**
 * One batch's changes: full statements keep the highest revision per window (the processor numbers
 * them along the log), deltas are summed per window in log order. The maps belong to the batch:
 * `evolve` updates them in place, as copying them per event made a batch's fold quadratic (a backlog
 * batch of 10,000 aggregates took 15 s).
 */
export interface RollupChanges {
  readonly statements: Map<string, RollupChange>;
  readonly deltas: Map<string, RollupChange>;
}

function addDelta(into: ReadingAggregate, delta: ReadingAggregate): ReadingAggregate {
  const sum = into.sum + delta.sum;
  const count = into.count + delta.count;
  return {
    ...delta,
    sum,
    count,
    mean: count === 0 ? 0 : sum / count,
    min: Math.min(into.min, delta.min),
    max: Math.max(into.max, delta.max),
  };
}

/** Fold of one aggregate event into a batch's changes (mutates only the batch's own maps). */
export function evolveRollups(
  state: RollupChanges,
  { event, partition, offset }: ProjectionEvent<'readingAggregates'>,
): RollupChanges {
  const key = rollupKey(event);
  if (event.revision === DELTA_REVISION) {
    const pending = state.deltas.get(key);
    state.deltas.set(key, {
      aggregate: pending ? addDelta(pending.aggregate, event) : event,
      partition,
      offset,
    });
    return state;
  }
  const seen = state.statements.get(key);
  if (seen !== undefined && seen.aggregate.revision >= event.revision) return state;
  state.statements.set(key, { aggregate: event, partition, offset });
  return state;
}

const DDL = `
-- One row per window, per meter (meter_id set) or per building and meter kind (meter_id = '').
CREATE TABLE IF NOT EXISTS rollups (
  building_id      text NOT NULL,
  meter_id         text NOT NULL,
  meter_kind       text NOT NULL,
  unit             text NOT NULL,
  window_size      text NOT NULL,
  window_start     timestamptz NOT NULL,
  window_end       timestamptz NOT NULL,
  sum              double precision NOT NULL,
  mean             double precision NOT NULL,
  min              double precision NOT NULL,
  max              double precision NOT NULL,
  count            integer NOT NULL,
  revision         integer NOT NULL,
  corrected        boolean NOT NULL,
  event_id         uuid NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  PRIMARY KEY (building_id, meter_id, meter_kind, unit, window_size, window_start)
);
CREATE INDEX IF NOT EXISTS rollups_meter_time ON rollups (meter_id, window_size, window_start) WHERE meter_id <> '';
-- A building's meter windows of one size over a range (consumption, benchmark, weather-normalised).
-- The primary key puts meter_id second, so with meter_id <> '' it reads every window of every size
-- of the building; the benchmark does that for each peer (hundreds of buildings at BDG2 scale).
CREATE INDEX IF NOT EXISTS rollups_building_size_time ON rollups (building_id, window_size, window_start)
  WHERE meter_id <> '';
CREATE OR REPLACE VIEW rollups_15m AS SELECT * FROM rollups WHERE window_size = 'PT15M';
CREATE OR REPLACE VIEW rollups_1h AS SELECT * FROM rollups WHERE window_size = 'PT1H';
CREATE OR REPLACE VIEW rollups_1d AS SELECT * FROM rollups WHERE window_size = 'P1D';
`;

function columns(changes: readonly RollupChange[]): unknown[] {
  const a = changes.map((c) => c.aggregate);
  return [
    a.map((x) => x.buildingId),
    a.map((x) => x.meterId ?? ''),
    a.map((x) => x.meterKind),
    a.map((x) => x.unit),
    a.map((x) => x.windowSize),
    a.map((x) => x.windowStart.toISOString()),
    a.map((x) => x.windowEnd.toISOString()),
    a.map((x) => x.sum),
    a.map((x) => x.mean),
    a.map((x) => x.min),
    a.map((x) => x.max),
    a.map((x) => x.count),
    a.map((x) => x.revision),
    a.map((x) => x.isCorrection),
    a.map((x) => x.eventId),
    changes.map((c) => c.partition),
    changes.map((c) => c.offset),
  ];
}

const INSERT = `INSERT INTO rollups (building_id, meter_id, meter_kind, unit, window_size, window_start, window_end,
    sum, mean, min, max, count, revision, corrected, event_id, source_partition, source_offset)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
    $7::timestamptz[], $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::int[], $13::int[],
    $14::bool[], $15::uuid[], $16::int[], $17::bigint[])`;

/**
 * Hourly, 15-minute and daily rollups per meter and per building, folded from the aggregates the
 * windows processors emit (`reading-aggregates` and `building-aggregates`), so lateness and
 * corrections are decided once, upstream, and replays give the same windows. A full statement
 * replaces a window when its revision is higher; a delta (a reading past the correction horizon)
 * is added to the stored window. Deltas rely on the offsets being stored in the same transaction:
 * the engine never applies one twice.
 */
export const rollupsProjection: PostgresProjection<'readingAggregates', RollupChanges> = {
  name: 'rollups',
  store: 'postgres',
  description: '15-minute, hourly and daily sums, means, minima, maxima and counts per meter and building',
  handles: ['readingAggregates'],
  initial: () => ({ statements: new Map(), deltas: new Map() }),
  evolve: evolveRollups,
  ddl: () => DDL,
  readerViews: ['rollups', 'rollups_15m', 'rollups_1h', 'rollups_1d'],
  async apply(client: pg.ClientBase, changes: RollupChanges): Promise<void> {
    const statements = [...changes.statements.values()];
    if (statements.length > 0) {
      await client.query(
        `${INSERT}
         ON CONFLICT (building_id, meter_id, meter_kind, unit, window_size, window_start) DO UPDATE SET
           window_end = excluded.window_end, sum = excluded.sum, mean = excluded.mean, min = excluded.min,
           max = excluded.max, count = excluded.count, revision = excluded.revision,
           corrected = excluded.corrected, event_id = excluded.event_id,
           source_partition = excluded.source_partition, source_offset = excluded.source_offset
         WHERE rollups.revision < excluded.revision`,
        columns(statements),
      );
    }
    const deltas = [...changes.deltas.values()];
    if (deltas.length > 0) {
      await client.query(
        `${INSERT}
         ON CONFLICT (building_id, meter_id, meter_kind, unit, window_size, window_start) DO UPDATE SET
           sum = rollups.sum + excluded.sum, count = rollups.count + excluded.count,
           mean = (rollups.sum + excluded.sum) / NULLIF(rollups.count + excluded.count, 0),
           min = LEAST(rollups.min, excluded.min), max = GREATEST(rollups.max, excluded.max),
           corrected = true, event_id = excluded.event_id,
           source_partition = excluded.source_partition, source_offset = excluded.source_offset`,
        columns(deltas),
      );
    }
  },
};
