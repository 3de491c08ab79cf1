import { zoneWallClock } from '../../schemas/index.ts';

/** A building's local calendar day as an interval of instants. */
export interface LocalDay {
  /** Local date, YYYY-MM-DD. */
  readonly localDate: string;
  /** First instant of the day (epoch ms, inclusive). */
  readonly start: number;
  /** First instant of the next day (epoch ms, exclusive); 23 or 25 hours after start on DST days. */
  readonly end: number;
}

/** True when `Intl` knows the IANA time zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    zoneWallClock(0, timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The instant at which the local wall clock shows `wall` (two fixed-point steps settle DST edges). */
function instantOfWall(timeZone: string, wall: number): number {
  const first = wall - (zoneWallClock(wall, timeZone) - wall);
  return wall - (zoneWallClock(first, timeZone) - first);
}

/**
 * The local day containing `at` in `timeZone`. Throws a RangeError for a zone `Intl` does not know.
 * Where a DST change skips local midnight (rare), the day is taken to start an hour early.
 */
export function localDayOf(timeZone: string, at: number): LocalDay {
  const wall = zoneWallClock(Math.floor(at / 1000) * 1000, timeZone);
  const midnight = Math.floor(wall / 86_400_000) * 86_400_000;
  return {
    localDate: new Date(midnight).toISOString().slice(0, 10),
    start: instantOfWall(timeZone, midnight),
    end: instantOfWall(timeZone, midnight + 86_400_000),
  };
}
