import Holidays from 'date-holidays';

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

const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Local calendar facts per time zone, with formatters and holiday years cached (they are slow to build). */
export interface LocalCalendar {
  at(instant: Date, timezone: string): LocalTime;
}

/** A calendar backed by Intl for local time and `date-holidays` for public holidays. */
export function createLocalCalendar(): LocalCalendar {
  const formatters = new Map<string, Intl.DateTimeFormat>();
  const holidayDates = new Map<string, ReadonlySet<string>>();

  const formatterOf = (timezone: string): Intl.DateTimeFormat => {
    let f = formatters.get(timezone);
    if (f === undefined) {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
      formatters.set(timezone, f);
    }
    return f;
  };

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
      const parts: Record<string, string> = {};
      for (const p of formatterOf(timezone).formatToParts(instant)) parts[p.type] = p.value;
      const year = Number(parts.year);
      const date = `${parts.year}-${parts.month}-${parts.day}`;
      return {
        weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
        hour: Number(parts.hour) + Number(parts.minute) / 60,
        holiday: holidaysOf(timezone, year).has(date),
      };
    },
  };
}
