import type pg from 'pg';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';

/** Hours in a week; slot `(isodow - 1) * 24 + hour` in the building's local time, Monday 00:00 first. */
export const HOURS_PER_WEEK = 168;

/** One hour-of-week slot: consumption summed over the window's hours falling in it, and how many. */
export interface ProfileSlot {
  readonly total: number;
  readonly hours: number;
}

/** A building's consumption folded onto the local hours of a week. */
export interface WeeklyProfile {
  readonly buildingId: string;
  readonly primaryUse: string;
  readonly floorAreaM2: number | null;
  readonly timezone: string;
  /** 168 slots, Monday 00:00 local first; a slot without data has `hours: 0`. */
  readonly slots: readonly ProfileSlot[];
  /** Hours with data behind the profile (the sum of the slots' hours). */
  readonly hours: number;
  /** End of the newest hour behind the profile. */
  readonly until: Date;
}

/** Whose profiles to read, over which window, from which meters. */
export interface WeeklyProfilesQuery {
  readonly from: Date;
  readonly to: Date;
  readonly asOf?: Date;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  /** Only these buildings (undefined: any). */
  readonly buildingIds?: readonly string[];
  /** Only buildings of this primary use (undefined: any). */
  readonly primaryUse?: string;
  /** Only this tenant's buildings (undefined: every tenant's). */
  readonly tenantId?: string;
}

/**
 * Hour-of-week profiles from the hourly per-meter rollups: each hour's consumption summed over the
 * building's meters of one kind and unit, then folded onto the local hour of the week (the building's
 * time zone, so a 9 o'clock start is 9 o'clock whatever the offset or daylight saving). With `asOf`,
 * only hours ending at or before it count, as the other rollup queries.
 */
export async function queryWeeklyProfiles(
  db: pg.Pool | pg.ClientBase,
  query: WeeklyProfilesQuery,
): Promise<WeeklyProfile[]> {
  const { rows } = await db.query<{
    building_id: string;
    primary_use: string;
    floor_area_m2: number | null;
    timezone: string;
    how: number;
    total: number;
    hours: string;
    until: Date;
  }>(
    `WITH chosen AS (
       SELECT building_id, primary_use, floor_area_m2, timezone FROM buildings
        WHERE ($1::text[] IS NULL OR building_id = ANY($1)) AND ($2::text IS NULL OR primary_use = $2)
          AND ($3::text IS NULL OR tenant_id = $3)
     ), hourly AS (
       SELECT r.building_id, r.window_start, max(r.window_end) AS window_end, sum(r.sum) AS total
         FROM rollups_1h r JOIN chosen c ON c.building_id = r.building_id
        WHERE r.meter_id <> '' AND r.meter_kind = $4 AND r.unit = $5
          AND r.window_start >= $6 AND r.window_start < $7
          AND ($8::timestamptz IS NULL OR r.window_end <= $8)
        GROUP BY r.building_id, r.window_start
     )
     SELECT c.building_id, c.primary_use, c.floor_area_m2, c.timezone,
            ((extract(isodow FROM h.window_start AT TIME ZONE c.timezone) - 1) * 24
              + extract(hour FROM h.window_start AT TIME ZONE c.timezone))::int AS how,
            sum(h.total) AS total, count(*) AS hours, max(h.window_end) AS until
       FROM hourly h JOIN chosen c ON c.building_id = h.building_id
      GROUP BY c.building_id, c.primary_use, c.floor_area_m2, c.timezone, how
      ORDER BY c.building_id, how`,
    [
      query.buildingIds === undefined ? null : [...query.buildingIds],
      query.primaryUse ?? null,
      query.tenantId ?? null,
      query.meterKind,
      query.unit,
      query.from,
      query.to,
      query.asOf ?? null,
    ],
  );
  const profiles = new Map<string, { meta: (typeof rows)[number]; slots: ProfileSlot[]; until: Date }>();
  for (const row of rows) {
    let p = profiles.get(row.building_id);
    if (p === undefined) {
      p = {
        meta: row,
        slots: Array.from({ length: HOURS_PER_WEEK }, () => ({ total: 0, hours: 0 })),
        until: row.until,
      };
      profiles.set(row.building_id, p);
    }
    p.slots[row.how] = { total: row.total, hours: Number(row.hours) };
    if (row.until > p.until) p.until = row.until;
  }
  return [...profiles.values()].map(({ meta, slots, until }) => ({
    buildingId: meta.building_id,
    primaryUse: meta.primary_use,
    floorAreaM2: meta.floor_area_m2,
    timezone: meta.timezone,
    slots,
    hours: slots.reduce((n, s) => n + s.hours, 0),
    until,
  }));
}

/** Local hour of day (0..23) of a slot. */
export const hourOfSlot = (slot: number): number => slot % 24;
/** ISO day of week (1 Monday .. 7 Sunday) of a slot. */
export const isoDayOfSlot = (slot: number): number => Math.floor(slot / 24) + 1;

/** Mean consumption per hour over the slots `pick` selects; NaN when they hold no hour. */
export function meanOver(profile: WeeklyProfile, pick: (slot: number) => boolean): number {
  let total = 0;
  let hours = 0;
  profile.slots.forEach((s, i) => {
    if (!pick(i)) return;
    total += s.total;
    hours += s.hours;
  });
  return hours === 0 ? Number.NaN : total / hours;
}

/** Hours with data among the slots `pick` selects. */
export const hoursOver = (profile: WeeklyProfile, pick: (slot: number) => boolean): number =>
  profile.slots.reduce((n, s, i) => (pick(i) ? n + s.hours : n), 0);
