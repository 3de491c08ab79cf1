import type pg from 'pg';
import type {
  ControlPointKind,
  ControlPointRegistered,
  ControlUnit,
  MeterKind,
  MeterRegistered,
  ReadingUnit,
} from '../../schemas/index.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';

/** Where a registration sat in the log; the one furthest along wins. */
interface LogPosition {
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

/** One row of `meters`: the description in force of one meter. */
export interface MeterRow extends LogPosition {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly brickClass: string | null;
  /** Event time of the description in force. */
  readonly registeredAt: Date;
  readonly eventId: string;
  readonly source: string;
}

/** One row of `control_points`: the description and limits in force of one writable point. */
export interface ControlPointRow extends LogPosition {
  readonly pointId: string;
  readonly buildingId: string;
  readonly pointKind: ControlPointKind;
  readonly unit: ControlUnit;
  readonly minValue: number;
  readonly maxValue: number;
  readonly maxChangePerMinute: number | null;
  readonly brickClass: string | null;
  readonly registeredAt: Date;
  readonly eventId: string;
  readonly source: string;
}

/** What one batch changes: at most one row per meter and per point, so one statement touches a row once. */
export interface MetersChanges {
  readonly meters: Map<string, MeterRow>;
  readonly controlPoints: Map<string, ControlPointRow>;
}

type MetersTopic = 'meters' | 'controlPoints';

/**
 * True when `a` is further along the log than `b`. The topics are keyed by meter (point), so one
 * id's registrations share a partition and offsets order them; the partition only breaks a tie a
 * repartitioned topic could produce, so the choice stays deterministic.
 */
export function isLaterPosition(a: LogPosition, b: LogPosition): boolean {
  const ao = BigInt(a.sourceOffset);
  const bo = BigInt(b.sourceOffset);
  return ao !== bo ? ao > bo : a.sourcePartition > b.sourcePartition;
}

function keepLater<R extends LogPosition>(rows: Map<string, R>, id: string, row: R): void {
  const seen = rows.get(id);
  if (seen === undefined || isLaterPosition(row, seen)) rows.set(id, row);
}

function meterRow(e: MeterRegistered, position: LogPosition): MeterRow {
  return {
    meterId: e.meterId,
    buildingId: e.buildingId,
    meterKind: e.meterKind,
    unit: e.unit,
    brickClass: e.brickClass ?? null,
    registeredAt: e.occurredAt,
    eventId: e.eventId,
    source: e.source,
    ...position,
  };
}

function controlPointRow(e: ControlPointRegistered, position: LogPosition): ControlPointRow {
  return {
    pointId: e.pointId,
    buildingId: e.buildingId,
    pointKind: e.pointKind,
    unit: e.unit,
    minValue: e.minValue,
    maxValue: e.maxValue,
    maxChangePerMinute: e.maxChangePerMinute ?? null,
    brickClass: e.brickClass ?? null,
    registeredAt: e.occurredAt,
    eventId: e.eventId,
    source: e.source,
    ...position,
  };
}

/** The batch fold: the registration furthest along the log per meter and per point. */
export function evolveMeters(state: MetersChanges, input: ProjectionEvent<MetersTopic>): MetersChanges {
  const position = { sourcePartition: input.partition, sourceOffset: input.offset };
  if (input.topic === 'meters') keepLater(state.meters, input.event.meterId, meterRow(input.event, position));
  else keepLater(state.controlPoints, input.event.pointId, controlPointRow(input.event, position));
  return state;
}

/**
 * What `apply` does to stored rows, as a pure function: `later` is applied after `earlier`, and per
 * id the row furthest along the log wins. The property tests and the SQL upserts state the same rule.
 */
export function mergeMetersChanges(earlier: MetersChanges, later: MetersChanges): MetersChanges {
  const merged: MetersChanges = {
    meters: new Map(earlier.meters),
    controlPoints: new Map(earlier.controlPoints),
  };
  for (const [id, row] of later.meters) keepLater(merged.meters, id, row);
  for (const [id, row] of later.controlPoints) keepLater(merged.controlPoints, id, row);
  return merged;
}

const DDL = `
CREATE TABLE IF NOT EXISTS meters (
  meter_id         text PRIMARY KEY,
  building_id      text NOT NULL,
  meter_kind       text NOT NULL,
  unit             text NOT NULL,
  brick_class      text,
  registered_at    timestamptz NOT NULL,
  event_id         uuid NOT NULL,
  source           text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS meters_building ON meters (building_id, meter_kind);

CREATE TABLE IF NOT EXISTS control_points (
  point_id              text PRIMARY KEY,
  building_id           text NOT NULL,
  point_kind            text NOT NULL,
  unit                  text NOT NULL,
  min_value             double precision NOT NULL,
  max_value             double precision NOT NULL,
  max_change_per_minute double precision,
  brick_class           text,
  registered_at         timestamptz NOT NULL,
  event_id              uuid NOT NULL,
  source                text NOT NULL,
  source_partition      integer NOT NULL,
  source_offset         bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS control_points_building ON control_points (building_id, point_kind);
`;

async function upsertMeters(client: pg.ClientBase, rows: readonly MeterRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO meters (meter_id, building_id, meter_kind, unit, brick_class, registered_at, event_id, source,
                         source_partition, source_offset)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                          $7::uuid[], $8::text[], $9::int[], $10::bigint[])
     ON CONFLICT (meter_id) DO UPDATE SET
       building_id = excluded.building_id, meter_kind = excluded.meter_kind, unit = excluded.unit,
       brick_class = excluded.brick_class, registered_at = excluded.registered_at, event_id = excluded.event_id,
       source = excluded.source, source_partition = excluded.source_partition, source_offset = excluded.source_offset
     WHERE (meters.source_offset, meters.source_partition) < (excluded.source_offset, excluded.source_partition)`,
    [
      rows.map((r) => r.meterId),
      rows.map((r) => r.buildingId),
      rows.map((r) => r.meterKind),
      rows.map((r) => r.unit),
      rows.map((r) => r.brickClass),
      rows.map((r) => r.registeredAt.toISOString()),
      rows.map((r) => r.eventId),
      rows.map((r) => r.source),
      rows.map((r) => r.sourcePartition),
      rows.map((r) => r.sourceOffset),
    ],
  );
}

async function upsertControlPoints(client: pg.ClientBase, rows: readonly ControlPointRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO control_points (point_id, building_id, point_kind, unit, min_value, max_value, max_change_per_minute,
                                 brick_class, registered_at, event_id, source, source_partition, source_offset)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[],
                          $8::text[], $9::timestamptz[], $10::uuid[], $11::text[], $12::int[], $13::bigint[])
     ON CONFLICT (point_id) DO UPDATE SET
       building_id = excluded.building_id, point_kind = excluded.point_kind, unit = excluded.unit,
       min_value = excluded.min_value, max_value = excluded.max_value,
       max_change_per_minute = excluded.max_change_per_minute, brick_class = excluded.brick_class,
       registered_at = excluded.registered_at, event_id = excluded.event_id, source = excluded.source,
       source_partition = excluded.source_partition, source_offset = excluded.source_offset
     WHERE (control_points.source_offset, control_points.source_partition)
         < (excluded.source_offset, excluded.source_partition)`,
    [
      rows.map((r) => r.pointId),
      rows.map((r) => r.buildingId),
      rows.map((r) => r.pointKind),
      rows.map((r) => r.unit),
      rows.map((r) => r.minValue),
      rows.map((r) => r.maxValue),
      rows.map((r) => r.maxChangePerMinute),
      rows.map((r) => r.brickClass),
      rows.map((r) => r.registeredAt.toISOString()),
      rows.map((r) => r.eventId),
      rows.map((r) => r.source),
      rows.map((r) => r.sourcePartition),
      rows.map((r) => r.sourceOffset),
    ],
  );
}

/**
 * Meters and control points as registered: the latest registration per id, by log position. Two
 * tables in one projection because both are small, compacted registries read together (a building's
 * equipment), and one rebuild keeps them consistent with each other.
 */
export const metersProjection: PostgresProjection<MetersTopic, MetersChanges> = {
  store: 'postgres',
  name: 'meters',
  description:
    'Meters and control points of every building: the latest registration of each, by log position.',
  handles: ['meters', 'controlPoints'],
  initial: () => ({ meters: new Map(), controlPoints: new Map() }),
  evolve: evolveMeters,
  ddl: () => DDL,
  readerViews: ['meters', 'control_points'],
  async apply(client, changes) {
    await upsertMeters(client, [...changes.meters.values()]);
    await upsertControlPoints(client, [...changes.controlPoints.values()]);
  },
};
