/**
 * Local wall-clock times of a named zone to UTC instants, naming what happens at daylight-saving
 * changes: a local time may map to one instant, to two (the hour that repeats when clocks go back) or
 * to none (the hour skipped when they go forward).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's wall clock at `instant`, as milliseconds of a UTC date with the same fields. */
function wallClockOf(instant: number, zone: string): number {
  const parts = Object.fromEntries(
    formatterOf(zone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  return Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
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
