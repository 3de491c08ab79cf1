/**
 * Local wall-clock times of a named zone to UTC instants, naming what happens at daylight-saving
 * changes: a local time may map to one instant, to two (the hour that repeats when clocks go back) or
 * to none (the hour skipped when they go forward).
 */

import { zoneWallClock } from '../../../schemas/index.ts';

/** The zone's UTC offset (ms) at `instant`, read from the formatted wall clock. */
function offsetFromIntl(instant: number, zone: string): number {
  return zoneWallClock(instant, zone) - instant;
}

/**
 * Offsets change only at transitions, which fall on quarter hours of UTC in every zone in use; so the
 * offset is read once per zone and quarter hour (formatting a date is the costly part of an import of
 * local timestamps). The cache is dropped when large, which bounds its memory on any file.
 */
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_OFFSETS = 100_000;
const offsets = new Map<string, number>();

function offsetAt(instant: number, zone: string): number {
  const quarter = Math.floor(instant / QUARTER_HOUR_MS);
  const key = `${zone}\u001f${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offset = offsetFromIntl(quarter * QUARTER_HOUR_MS, zone);
    offsets.set(key, offset);
  }
  return offset;
}

/** The zone's wall clock at `instant`, as milliseconds of a UTC date with the same fields. */
function wallClockOf(instant: number, zone: string): number {
  return instant + offsetAt(instant, zone);
}

/** The IANA zone as canonically named (`US/Eastern` -> `America/New_York`), or undefined when unknown. */
export function canonicalTimeZone(zone: string): string | undefined {
  if (zone.trim() === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone.trim() }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Every UTC instant at which the zone's clock shows `wall` (milliseconds of a UTC date with the local
 * fields), earliest first: one normally, two in the repeated hour, none in the skipped hour.
 */
export function instantsOfLocalTime(wall: number, zone: string): number[] {
  const offsets = new Set<number>();
  // Offsets in force half a day either side cover any change near `wall` (changes are hours apart at most).
  for (const probe of [wall - 14 * 3_600_000, wall, wall + 14 * 3_600_000]) {
    offsets.add(wallClockOf(probe, zone) - probe);
  }
  const instants = [...offsets].map((offset) => wall - offset).filter((i) => wallClockOf(i, zone) === wall);
  return [...new Set(instants)].sort((a, b) => a - b);
}
