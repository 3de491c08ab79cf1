/**
 * Wall clocks of IANA time zones, shared by everything that turns event time into a building's local
 * time (importers, simulator, read models), so they agree on it. One `Intl.DateTimeFormat` per zone is
 * kept: building one is far costlier than formatting with it.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The wall clock of `timeZone` at `instant` (epoch ms), written as if it were UTC: epoch ms of a UTC
 * date with the same fields, in whole seconds (`zoneWallClock(t, z) - t` is the zone's offset at t).
 * Throws a RangeError for a zone `Intl` does not know.
 */
export function zoneWallClock(instant: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
}
