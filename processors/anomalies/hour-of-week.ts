import { EaioError } from '../../infra/errors/index.ts';
import { DAY_MS, HOUR_MS } from '../../schemas/index.ts';

/** Slots per week: one per local hour, Monday 00:00–00:59 is 0, Sunday 23:00–23:59 is 167. */
export const HOURS_PER_WEEK = 168;

/** `Intl` weekday names (en-US, short) to ISO day index, Monday first. */
const WEEKDAY_INDEX: Readonly<Record<string, number>> = {
  Mon: 0,
  Tue: 1,
  Wed: 2,
  Thu: 3,
  Fri: 4,
  Sat: 5,
  Sun: 6,
};

/** Maps an instant (epoch ms) to its local hour of week in an IANA time zone. */
export type HourOfWeekFn = (at: number, timeZone: string) => number;

function utcHourOfWeek(at: number): number {
  // 1970-01-01 was a Thursday (ISO day 3); floor keeps instants before 1970 right.
  const days = Math.floor(at / DAY_MS);
  const weekday = (((days + 3) % 7) + 7) % 7;
  return weekday * 24 + Math.floor((at - days * DAY_MS) / HOUR_MS);
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: 'numeric',
      hourCycle: 'h23',
    });
  } catch (cause) {
    throw new EaioError('INVALID_ARGUMENT', 'permanent', `Unknown time zone '${timeZone}'`, {
      cause,
      context: { timeZone },
    });
  }
}

function localHourOfWeek(formatter: Intl.DateTimeFormat, at: number): number {
  let weekday: number | undefined;
  let hour: number | undefined;
  for (const part of formatter.formatToParts(at)) {
    if (part.type === 'weekday') weekday = WEEKDAY_INDEX[part.value];
    else if (part.type === 'hour') hour = Number(part.value);
  }
  if (weekday === undefined || hour === undefined) {
    throw new RangeError(`Cannot read the local weekday and hour of ${new Date(at).toISOString()}`);
  }
  return weekday * 24 + hour;
}

/**
 * A {@link HourOfWeekFn} that keeps one `Intl.DateTimeFormat` per time zone (building one costs far more
 * than formatting with it). Wall-clock local time is what occupancy follows, so across DST the slot
 * keeps its local meaning: in spring the skipped local hour gets no instant that day, in autumn the
 * repeated local hour maps two instants to the same slot. `'UTC'` takes an arithmetic fast path.
 * Throws an `INVALID_ARGUMENT` EaioError for a zone `Intl` does not know.
 */
export function createHourOfWeek(): HourOfWeekFn {
  const formatters = new Map<string, Intl.DateTimeFormat>();
  return (at, timeZone) => {
    if (timeZone === 'UTC') return utcHourOfWeek(at);
    let formatter = formatters.get(timeZone);
    if (formatter === undefined) {
      formatter = formatterFor(timeZone);
      formatters.set(timeZone, formatter);
    }
    return localHourOfWeek(formatter, at);
  };
}

/** Local hour of week (0 = Monday 00:xx) of the instant `at` in `timeZone`; see {@link createHourOfWeek}. */
export function hourOfWeek(at: Date | number, timeZone = 'UTC'): number {
  const t = typeof at === 'number' ? at : at.getTime();
  return timeZone === 'UTC' ? utcHourOfWeek(t) : localHourOfWeek(formatterFor(timeZone), t);
}

/**
 * Slot of a reading: the local hour of week in which its interval started. A reading's value is the
 * consumption over the interval *ending* at occurredAt, so the hourly reading stamped 08:00 measures
 * 07:00–08:00 and belongs to hour 7, as do the quarter-hour readings stamped 07:15 to 08:00.
 */
export function readingSlot(occurredAt: number, timeZone: string, slotOf: HourOfWeekFn): number {
  return slotOf(occurredAt - 1, timeZone);
}
