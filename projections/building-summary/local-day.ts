/** A building's local calendar day as an interval of instants. */
export interface LocalDay {
  /** Local date, YYYY-MM-DD. */
  readonly localDate: string;
  /** First instant of the day (epoch ms, inclusive). */
  readonly start: number;
  /** First instant of the next day (epoch ms, exclusive); 23 or 25 hours after start on DST days. */
  readonly end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `Intl` knows the IANA time zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall-clock time of `at` written as if it were UTC (epoch ms, whole seconds). */
function wallClock(timeZone: string, at: number): number {
  const p: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
}

/** The instant at which the local wall clock shows `wall` (two fixed-point steps settle DST edges). */
function instantOfWall(timeZone: string, wall: number): number {
  const first = wall - (wallClock(timeZone, wall) - wall);
  return wall - (wallClock(timeZone, first) - first);
}

/**
 * The local day containing `at` in `timeZone`. Throws a RangeError for a zone `Intl` does not know.
 * Where a DST change skips local midnight (rare), the day is taken to start an hour early.
 */
export function localDayOf(timeZone: string, at: number): LocalDay {
  const wall = wallClock(timeZone, Math.floor(at / 1000) * 1000);
  const midnight = Math.floor(wall / 86_400_000) * 86_400_000;
  return {
    localDate: new Date(midnight).toISOString().slice(0, 10),
    start: instantOfWall(timeZone, midnight),
    end: instantOfWall(timeZone, midnight + 86_400_000),
  };
}
