import type pg from 'pg';
import type { BuildingRegistered, EventEnvelope } from '../../schemas/index.ts';
import { isAfter, type Positioned } from '../positioned-event.ts';
import type { PostgresProjection, ProjectionEvent } from '../projection.ts';
import { DEFAULT_TENANT } from '../tenants.ts';

/** Per building, the registration furthest along the log within one batch. */
export type BuildingsChanges = Map<string, Positioned<BuildingRegistered>>;

/** Pure fold: the later log position wins (the topic is keyed by building, so offsets order them). */
export function evolveBuildings(
  state: BuildingsChanges,
  { event, partition, offset }: ProjectionEvent<'buildings'>,
): BuildingsChanges {
  const positioned: Positioned<BuildingRegistered> = { event, partition, offset };
  const seen = state.get(event.buildingId);
  if (seen === undefined || isAfter(positioned, seen)) state.set(event.buildingId, positioned);
  return state;
}

const BUILDINGS_DDL = `CREATE TABLE buildings (
  building_id        text PRIMARY KEY,
  site_id            text,
  primary_use        text NOT NULL,
  floor_area_m2      double precision,
  timezone           text NOT NULL,
  year_built         integer,
  weather_station_id text,
  registered_at      timestamptz NOT NULL,
  event_id           uuid NOT NULL,
  source_partition   integer NOT NULL,
  source_offset      bigint NOT NULL,
  tenant_id          text NOT NULL DEFAULT 'default'
)`;

/** Upserts building descriptions; an earlier log position never overwrites a later one. */
export async function applyBuildings(client: pg.ClientBase, changes: BuildingsChanges): Promise<void> {
  if (changes.size === 0) return;
  const rows = [...changes.values()];
  await client.query(
    `INSERT INTO buildings (building_id, site_id, primary_use, floor_area_m2, timezone, year_built, weather_station_id,
                            registered_at, event_id, source_partition, source_offset, tenant_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::int[], $7::text[],
                          $8::timestamptz[], $9::uuid[], $10::int[], $11::bigint[], $12::text[])
     ON CONFLICT (building_id) DO UPDATE SET
       site_id = excluded.site_id, primary_use = excluded.primary_use, floor_area_m2 = excluded.floor_area_m2,
       timezone = excluded.timezone, year_built = excluded.year_built, weather_station_id = excluded.weather_station_id,
       registered_at = excluded.registered_at, event_id = excluded.event_id,
       source_partition = excluded.source_partition, source_offset = excluded.source_offset,
       tenant_id = excluded.tenant_id
     WHERE buildings.source_offset < excluded.source_offset`,
    [
      rows.map((r) => r.event.buildingId),
      rows.map((r) => r.event.siteId),
      rows.map((r) => r.event.primaryUse),
      rows.map((r) => r.event.floorAreaM2),
      rows.map((r) => r.event.timezone),
      rows.map((r) => r.event.yearBuilt),
      rows.map((r) => r.event.weatherStationId),
      rows.map((r) => r.event.occurredAt.toISOString()),
      rows.map((r) => r.event.eventId),
      rows.map((r) => r.partition),
      rows.map((r) => r.offset),
      rows.map((r) => r.event.tenantId ?? DEFAULT_TENANT),
    ],
  );
}

/** The building catalogue, one row per building, in PostgreSQL. */
export const buildingsProjection: PostgresProjection<'buildings', BuildingsChanges> = {
  name: 'buildings',
  description: 'Building descriptions, the latest BuildingRegistered per building',
  store: 'postgres',
  handles: ['buildings'],
  initial: () => new Map(),
  evolve: evolveBuildings,
  ddl: () => BUILDINGS_DDL,
  readerViews: ['buildings'],
  apply: applyBuildings,
};

/** A building as the read models know it: its description and its meters' latest readings. */
export interface BuildingView extends Omit<BuildingRegistered, keyof EventEnvelope | 'tenantId'> {
  /** The tenant it belongs to; {@link DEFAULT_TENANT} when its registration named none. */
  readonly tenantId: string;
  /** Event time of the description in force. */
  readonly registeredAt: Date;
  readonly meters: readonly {
    readonly meterId: string;
    readonly meterKind: string;
    readonly unit: string;
    readonly lastValue: number;
    readonly lastReadingAt: Date;
  }[];
}

interface BuildingRow {
  building_id: string;
  site_id: string | null;
  primary_use: string;
  floor_area_m2: number | null;
  timezone: string;
  year_built: number | null;
  weather_station_id: string | null;
  registered_at: Date;
  tenant_id: string;
}

interface MeterRow {
  meter_id: string;
  meter_kind: string;
  unit: string;
  value: number;
  occurred_at: Date;
}

/** Reads one building from the Postgres read models, or undefined when it was never registered. */
export async function readBuilding(
  pool: pg.Pool | pg.ClientBase,
  buildingId: string,
): Promise<BuildingView | undefined> {
  const building = await pool.query<BuildingRow>('SELECT * FROM buildings WHERE building_id = $1', [
    buildingId,
  ]);
  const row = building.rows[0];
  if (row === undefined) return undefined;
  const meters = await pool.query<MeterRow>(
    'SELECT meter_id, meter_kind, unit, value, occurred_at FROM latest_readings WHERE building_id = $1 ORDER BY meter_id',
    [buildingId],
  );
  return {
    buildingId: row.building_id,
    siteId: row.site_id,
    primaryUse: row.primary_use,
    floorAreaM2: row.floor_area_m2,
    timezone: row.timezone,
    yearBuilt: row.year_built,
    weatherStationId: row.weather_station_id,
    tenantId: row.tenant_id,
    registeredAt: row.registered_at,
    meters: meters.rows.map((m) => ({
      meterId: m.meter_id,
      meterKind: m.meter_kind,
      unit: m.unit,
      lastValue: m.value,
      lastReadingAt: m.occurred_at,
    })),
  };
}

/**
 * Ids of the registered buildings, for resource listing and completion; bounded so a listing stays
 * small. With `tenantId`, only that tenant's; with `prefix`, only ids starting with it.
 */
export async function listBuildingIds(
  pool: pg.Pool | pg.ClientBase,
  limit = 1000,
  { tenantId, prefix }: { readonly tenantId?: string; readonly prefix?: string } = {},
): Promise<string[]> {
  const result = await pool.query<{ building_id: string }>(
    `SELECT building_id FROM buildings
      WHERE ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR left(building_id, length($3)) = $3)
      ORDER BY building_id LIMIT $1`,
    [limit, tenantId ?? null, prefix ?? null],
  );
  return result.rows.map((r) => r.building_id);
}

/** The tenant of a building, or undefined when it was never registered: the one row a tenant check reads. */
export async function readBuildingTenant(
  db: pg.Pool | pg.ClientBase,
  buildingId: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ tenant_id: string }>(
    'SELECT tenant_id FROM buildings WHERE building_id = $1',
    [buildingId],
  );
  return rows[0]?.tenant_id;
}

/**
 * Ids of the buildings whose registered weather station is `stationId`, in id order (every tenant's:
 * the weather poller names them in the station's alerts).
 */
export async function listBuildingIdsOfStation(
  db: pg.Pool | pg.ClientBase,
  stationId: string,
): Promise<string[]> {
  const { rows } = await db.query<{ building_id: string }>(
    'SELECT building_id FROM buildings WHERE weather_station_id = $1 ORDER BY building_id',
    [stationId],
  );
  return rows.map((r) => r.building_id);
}

/** Whether any building of `tenantId` takes its weather from `stationId`. */
export async function stationServesTenant(
  db: pg.Pool | pg.ClientBase,
  stationId: string,
  tenantId: string,
): Promise<boolean> {
  const { rows } = await db.query<{ serves: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM buildings WHERE weather_station_id = $1 AND tenant_id = $2) AS serves',
    [stationId, tenantId],
  );
  return rows[0]?.serves === true;
}
