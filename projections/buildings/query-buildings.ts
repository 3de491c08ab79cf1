import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';

/** At most this many buildings per page of a listing. */
export const MAX_BUILDINGS_PAGE = 200;

/**
 * Which buildings to list: filters (each optional, all must hold) and a keyset page, in building-id
 * order. `tenantId` undefined lists every tenant's buildings.
 */
export interface BuildingsQuery {
  readonly tenantId?: string;
  /** Site id, case-insensitive, exact. */
  readonly siteId?: string;
  /** Primary use, case-insensitive, exact (e.g. `office`). */
  readonly primaryUse?: string;
  /** A substring of the building id or the site id, case-insensitive. */
  readonly text?: string;
  /** Only buildings whose id sorts after this one (the last id of the previous page). */
  readonly afterBuildingId?: string;
  /** Page size, 1..{@link MAX_BUILDINGS_PAGE}. */
  readonly limit: number;
}

/** A building as a listing shows it: its registration, without meters. */
export interface BuildingListing {
  readonly buildingId: string;
  readonly siteId: string | null;
  readonly primaryUse: string;
  readonly floorAreaM2: number | null;
  readonly timezone: string;
  readonly yearBuilt: number | null;
  readonly weatherStationId: string | null;
  readonly tenantId: string;
  readonly registeredAt: Date;
}

/** One page of a listing; `hasMore` when buildings after the last one match too. */
export interface BuildingsPage {
  readonly buildings: readonly BuildingListing[];
  readonly hasMore: boolean;
}

interface ListingRow {
  building_id: string;
  site_id: string | null;
  primary_use: string;
  floor_area_m2: number | null;
  timezone: string;
  year_built: number | null;
  weather_station_id: string | null;
  tenant_id: string;
  registered_at: Date;
}

/**
 * One page of buildings matching the filters, ordered by building id. Keyset pagination (`building_id
 * > after`) over the primary key, so a page costs the same wherever it is and buildings registered
 * while a caller pages through never shift the pages it has not read yet. The tenant filter is part of
 * the statement: another tenant's rows never leave the database.
 */
export async function queryBuildings(
  db: pg.Pool | pg.ClientBase,
  query: BuildingsQuery,
): Promise<BuildingsPage> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_BUILDINGS_PAGE) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `limit must be an integer from 1 to ${MAX_BUILDINGS_PAGE}, got ${query.limit}`,
      { context: { limit: query.limit } },
    );
  }
  const { rows } = await db.query<ListingRow>(
    `SELECT building_id, site_id, primary_use, floor_area_m2, timezone, year_built, weather_station_id,
            tenant_id, registered_at
       FROM buildings
      WHERE ($1::text IS NULL OR tenant_id = $1)
        AND ($2::text IS NULL OR lower(site_id) = lower($2))
        AND ($3::text IS NULL OR lower(primary_use) = lower($3))
        AND ($4::text IS NULL OR strpos(lower(building_id), lower($4)) > 0
                              OR strpos(lower(coalesce(site_id, '')), lower($4)) > 0)
        AND ($5::text IS NULL OR building_id > $5)
      ORDER BY building_id
      LIMIT $6`,
    [
      query.tenantId ?? null,
      query.siteId ?? null,
      query.primaryUse ?? null,
      query.text ?? null,
      query.afterBuildingId ?? null,
      query.limit + 1,
    ],
  );
  return {
    buildings: rows.slice(0, query.limit).map((r) => ({
      buildingId: r.building_id,
      siteId: r.site_id,
      primaryUse: r.primary_use,
      floorAreaM2: r.floor_area_m2,
      timezone: r.timezone,
      yearBuilt: r.year_built,
      weatherStationId: r.weather_station_id,
      tenantId: r.tenant_id,
      registeredAt: r.registered_at,
    })),
    hasMore: rows.length > query.limit,
  };
}
