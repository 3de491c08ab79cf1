import type { ImportOptions } from '../import-format.ts';
import { canonicalTimeZone, instantsOfLocalTime } from './local-time.ts';
import { quoted } from './reading-value.ts';

/**
 * Timestamps of reading files: parsing `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH[:MM]]` without a regex or
 * `Date.parse` (which accepts impossible dates such as `2016-02-30` and guesses zones), and turning a
 * local wall-clock time into an instant under the daylight-saving rules named in {@link TIME_REASONS}.
 */

/** Dead-letter reasons of timestamps, stable strings counted in the import summary. */
export const TIME_REASONS = {
  /** Not a timestamp of the accepted layout, or an impossible date/time (`2016-02-30 01:00`). */
  invalid: 'invalid timestamp',
  /** A local time skipped at the spring-forward change (`2016-03-13 02:30` in New York). */
  nonexistent: 'nonexistent local time',
  /** Local timestamps for a building whose IANA time zone is unknown or not a real zone. */
  unknownZone: 'unknown time zone',
} as const;

/**
 * How timestamps without an offset are read when `--timestamps` is not given: UTC when the file name
 * says so (BDG1 `temp_open_utc.csv`), else local to each building (BDG2's raw meter files are in each
 * site's local time). Timestamps with `Z` or an offset are instants whatever this says.
 */
export function timestampsOf(options: Pick<ImportOptions, 'fileName' | 'timestamps'>): 'utc' | 'local' {
  return options.timestamps ?? (/utc/i.test(options.fileName) ? 'utc' : 'local');
}

/** Wall-clock fields of a timestamp written without an offset. */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

/** What a timestamp text says: an instant (it had `Z` or an offset), a local time, or nothing valid. */
export type ParsedTimestamp =
  | { readonly kind: 'instant'; readonly epochMs: number }
  | { readonly kind: 'local'; readonly local: LocalDateTime }
  | { readonly kind: 'invalid'; readonly detail: string };

/** An instant, or the dead-letter reason and detail of a timestamp that has none. */
export type ResolvedInstant =
  | { readonly ok: true; readonly epochMs: number }
  | { readonly ok: false; readonly reason: string; readonly detail: string };

const DASH = 45;
const COLON = 58;
const DOT = 46;
const SPACE = 32;
const ZERO = 48;
const PLUS = 43;
const UPPER_T = 84;
const UPPER_Z = 90;
const LOWER_Z = 122;

/** Value of `width` decimal digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, width: number): number {
  if (at + width > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + width; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function invalid(text: string, why: string): ParsedTimestamp {
  return { kind: 'invalid', detail: `${quoted(text)} ${why}` };
}

/**
 * Parses one timestamp field. Accepts `2016-01-01 00:00:00` (BDG2, local), `2010-01-01 08:00:00+00:00`
 * (BDG1, UTC), ISO 8601 with `T`, `Z`, `±HH:MM`, `±HHMM` or `±HH`, optional seconds and fractions.
 */
export function parseTimestamp(raw: string): ParsedTimestamp {
  let start = 0;
  let end = raw.length;
  while (start < end && raw.charCodeAt(start) === SPACE) start++;
  while (end > start && raw.charCodeAt(end - 1) === SPACE) end--;
  const text = start === 0 && end === raw.length ? raw : raw.slice(start, end);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const separator = text.charCodeAt(10);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    (separator !== SPACE && separator !== UPPER_T) ||
    text.charCodeAt(13) !== COLON
  ) {
    return invalid(text, 'is not a timestamp of the form YYYY-MM-DD HH:MM[:SS][offset]');
  }
  let at = 16;
  let second = 0;
  let millisecond = 0;
  if (text.charCodeAt(at) === COLON) {
    second = digits(text, at + 1, 2);
    if (second < 0) return invalid(text, 'has malformed seconds');
    at += 3;
    if (text.charCodeAt(at) === DOT) {
      at++;
      let scale = 100;
      const fractionStart = at;
      for (let d = text.charCodeAt(at) - ZERO; d >= 0 && d <= 9; d = text.charCodeAt(at) - ZERO) {
        millisecond += d * scale;
        scale /= 10;
        at++;
      }
      if (at === fractionStart) return invalid(text, 'has an empty fraction of a second');
      millisecond = Math.floor(millisecond);
    }
  }
  if (year < 1000) return invalid(text, 'has a year before 1000');
  if (month < 1 || month > 12) return invalid(text, `has month ${month}`);
  if (day < 1 || day > daysInMonth(year, month)) return invalid(text, `has no day ${day} in that month`);
  if (hour > 23 || minute > 59 || second > 59) return invalid(text, 'has an impossible time of day');
  if (at === text.length) {
    return { kind: 'local', local: { year, month, day, hour, minute, second, millisecond } };
  }
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const sign = text.charCodeAt(at);
  if ((sign === UPPER_Z || sign === LOWER_Z) && at + 1 === text.length)
    return { kind: 'instant', epochMs: utcMs };
  if (sign !== PLUS && sign !== DASH) return invalid(text, 'has text after the time that is not an offset');
  const offsetHours = digits(text, at + 1, 2);
  let offsetMinutes = 0;
  let offsetEnd = at + 3;
  if (text.charCodeAt(offsetEnd) === COLON) {
    offsetMinutes = digits(text, offsetEnd + 1, 2);
    offsetEnd += 3;
  } else if (offsetEnd < text.length) {
    offsetMinutes = digits(text, offsetEnd, 2);
    offsetEnd += 2;
  }
  if (
    offsetHours < 0 ||
    offsetMinutes < 0 ||
    offsetEnd !== text.length ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return invalid(text, 'has a malformed UTC offset');
  }
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === PLUS ? 1 : -1);
  return { kind: 'instant', epochMs: utcMs - offsetMs };
}

/** The instant of a wall-clock time read as UTC (`--timestamps utc`). */
export function utcEpochOf(l: LocalDateTime): number {
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second, l.millisecond);
}

/** The wall-clock time as written in ISO form, for details and for the repeated-hour bookkeeping. */
export function formatLocal(local: LocalDateTime): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const ms = local.millisecond === 0 ? '' : `.${pad(local.millisecond, 3)}`;
  return `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}${ms}`;
}

/** The earlier and later instants a wall-clock time can mean in a zone; equal unless the hour repeats. */
interface Candidates {
  readonly earlier: number;
  readonly later: number;
  readonly exists: boolean;
}

/** Enough for every distinct local time of a long file's overlapping series, small enough to ignore. */
const CANDIDATE_CACHE_LIMIT = 50_000;

/**
 * Resolves local wall-clock times to instants in IANA zones, one instance per imported file:
 * - a time skipped at the spring-forward change does not exist: `nonexistent local time`, never shifted;
 * - a time repeated at the fall-back change is ambiguous: its first occurrence in a series is the earlier
 *   offset (daylight time), a later occurrence of the same local time the later offset (standard time),
 *   which is what keeps an hourly local series continuous (01:00 EDT, then 01:00 EST);
 * - a zone that is missing or not an IANA zone: `unknown time zone`.
 * A series is what shares one clock: a wide file's rows per zone, a long file's rows per meter.
 */
export class LocalTimeResolver {
  /** Zone name -> whether it is a real IANA zone. */
  private readonly zones = new Map<string, boolean>();
  /** `zone|local` -> the instants that wall-clock time can mean there. */
  private readonly candidates = new Map<string, Candidates>();
  /** `series|local` of ambiguous times already seen once (only fall-back hours are ever stored). */
  private readonly seenAmbiguous = new Set<string>();

  /**
   * Why local timestamps of building `owner` cannot be read in `zone` (the detail of an `unknown time
   * zone` dead letter), or undefined when `zone` is a real IANA zone.
   */
  zoneProblem(zone: string | undefined, owner: string): string | undefined {
    if (zone === undefined) {
      return `building ${owner} has no known time zone to read local timestamps in (give --metadata or use --timestamps utc)`;
    }
    if (!this.isKnownZone(zone))
      return `building ${owner} has time zone '${zone}', which is not an IANA time zone`;
    return undefined;
  }

  /** Whether `zone` names a real IANA time zone (checked once per zone). */
  isKnownZone(zone: string): boolean {
    let known = this.zones.get(zone);
    if (known === undefined) {
      known = canonicalTimeZone(zone) !== undefined;
      this.zones.set(zone, known);
    }
    return known;
  }

  /**
   * The instant of `local` in `zone` for the series `seriesKey`. `owner` names the building in the
   * detail of an unknown zone. Call once per series and row: each call for an ambiguous time counts
   * as an occurrence.
   */
  resolve(local: LocalDateTime, zone: string | undefined, seriesKey: string, owner: string): ResolvedInstant {
    const problem = this.zoneProblem(zone, owner);
    if (problem !== undefined || zone === undefined) {
      return { ok: false, reason: TIME_REASONS.unknownZone, detail: problem ?? '' };
    }
    const localText = formatLocal(local);
    const found = this.candidatesOf(local, localText, zone);
    if (!found.exists) {
      return {
        ok: false,
        reason: TIME_REASONS.nonexistent,
        detail: `${localText} does not exist in ${zone}: the clocks skip that hour when daylight saving time starts`,
      };
    }
    if (found.earlier === found.later) return { ok: true, epochMs: found.earlier };
    const key = `${seriesKey}|${localText}`;
    if (this.seenAmbiguous.has(key)) return { ok: true, epochMs: found.later };
    this.seenAmbiguous.add(key);
    return { ok: true, epochMs: found.earlier };
  }

  private candidatesOf(local: LocalDateTime, localText: string, zone: string): Candidates {
    const key = `${zone}|${localText}`;
    const cached = this.candidates.get(key);
    if (cached !== undefined) return cached;
    // Every instant at which the zone's clocks show this wall time: none in a gap, two in an overlap.
    const instants = instantsOfLocalTime(utcEpochOf(local), zone);
    const earlier = instants[0];
    const found: Candidates =
      earlier === undefined
        ? { earlier: Number.NaN, later: Number.NaN, exists: false }
        : { earlier, later: instants[instants.length - 1] ?? earlier, exists: true };
    if (this.candidates.size >= CANDIDATE_CACHE_LIMIT) this.candidates.clear();
    this.candidates.set(key, found);
    return found;
  }
}
