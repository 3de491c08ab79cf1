import Holidays from 'date-holidays';
import { zoneWallClock } from '../../schemas/index.ts';

/** What the load model needs to know about an instant in a building's own time zone. */
export interface LocalTime {
  /** 0 = Sunday .. 6 = Saturday. */
  readonly weekday: number;
  /** Hour of the day with fractions, 0 <= hour < 24. */
  readonly hour: number;
  /** A public holiday in the building's country (and region, where we know it). */
  readonly holiday: boolean;
}

/** Where each time zone's public holidays come from; zones missing here have no holidays. */
const HOLIDAY_REGIONS: Readonly<Record<string, readonly [country: string, state?: string]>> = {
  'Europe/London': ['GB', 'ENG'],
  'America/New_York': ['US', 'NY'],
  'America/Chicago': ['US', 'IL'],
  'America/Denver': ['US', 'CO'],
  'America/Phoenix': ['US', 'AZ'],
  'America/Los_Angeles': ['US', 'CA'],
  'Asia/Singapore': ['SG'],
  'Europe/Zurich': ['CH', 'ZH'],
  'Europe/Berlin': ['DE'],
  'Europe/Amsterdam': ['NL'],
  'Australia/Sydney': ['AU', 'NSW'],
};

/** Local calendar facts per time zone (the shared {@link zoneWallClock}), with holiday years cached (they are slow to build). */
export interface LocalCalendar {
  at(instant: Date, timezone: string): LocalTime;
}

/** A calendar backed by Intl for local time and `date-holidays` for public holidays. */
export function createLocalCalendar(): LocalCalendar {
  const holidayDates = new Map<string, ReadonlySet<string>>();

  const holidaysOf = (timezone: string, year: number): ReadonlySet<string> => {
    const key = `${timezone}/${year}`;
    let dates = holidayDates.get(key);
    if (dates === undefined) {
      const region = HOLIDAY_REGIONS[timezone];
      const hd = region === undefined ? undefined : new Holidays(region[0], region[1] ?? '');
      const list = hd === undefined ? [] : hd.getHolidays(year);
      // `date` is the local calendar date the holiday falls on, as `YYYY-MM-DD hh:mm:ss`.
      dates = new Set(list.filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
      holidayDates.set(key, dates);
    }
    return dates;
  };

  return {
    at(instant, timezone) {
      const wall = new Date(zoneWallClock(instant.getTime(), timezone));
      return {
        weekday: wall.getUTCDay(),
        hour: wall.getUTCHours() + wall.getUTCMinutes() / 60,
        holiday: holidaysOf(timezone, wall.getUTCFullYear()).has(wall.toISOString().slice(0, 10)),
      };
    },
  };
}
