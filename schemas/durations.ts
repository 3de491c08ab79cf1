/** Milliseconds in a minute, an hour and a day of event time (UTC: no day is 23 or 25 hours here). */
export const MINUTE_MS = 60_000;
/** Milliseconds in an hour. */
export const HOUR_MS = 60 * MINUTE_MS;
/** Milliseconds in a UTC day. */
export const DAY_MS = 24 * HOUR_MS;
