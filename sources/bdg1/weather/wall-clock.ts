const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The wall-clock time of a `YYYY-MM-DD HH:MM[:SS]` text, or why it has none. */
export type WallClock =
  /** The fields read as if they were UTC: the instant itself for UTC text, the wall clock to place in a zone otherwise. */
  | { readonly ok: true; readonly epochMs: number }
  | { readonly ok: false; readonly problem: 'layout' | 'not a real time' };

/**
 * Parses `YYYY-MM-DD[ T]HH:MM[:SS]` (the weather files' timestamps) strictly: an impossible date or time
 * (2015-02-30, 24:00) is rejected instead of rolling over as `Date.UTC` would.
 */
export function parseWallClock(text: string): WallClock {
  const m = WALL_CLOCK.exec(text);
  if (m === null) return { ok: false, problem: 'layout' };
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? '0')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const epochMs = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(epochMs);
  const roundTrips =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s;
  return roundTrips ? { ok: true, epochMs } : { ok: false, problem: 'not a real time' };
}
