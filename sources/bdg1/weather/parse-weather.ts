import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { derivedEventId, type WeatherObservation } from '../../../schemas/index.ts';
import type { RejectedRow } from '../parse-meta-open.ts';
import type { ColumnLayout, MeasurementColumn, MeasurementField } from './columns.ts';
import { cleanCell, dedupeHeader, layoutOf } from './columns.ts';
import { TimestampRepeats } from './timestamp-repeats.ts';
import { parseWallClock } from './wall-clock.ts';

/** The `source` of every observation this importer produces. */
export const BDG1_WEATHER_SOURCE = 'bdg1-importer';

/** Why a row was rejected; a closed list so a report can count rejections by reason. */
export const BDG1_WEATHER_REJECT_REASONS = [
  'malformed CSV',
  'wrong column count',
  'missing DateUTC',
  'invalid DateUTC',
  'duplicate timestamp',
] as const;
/** One of {@link BDG1_WEATHER_REJECT_REASONS}. */
export type Bdg1WeatherRejectReason = (typeof BDG1_WEATHER_REJECT_REASONS)[number];

/** A weather row the importer refused: the reason to count by and a detail for a human. */
export interface Bdg1WeatherRejectedRow extends RejectedRow {
  readonly reason: Bdg1WeatherRejectReason;
  /** E.g. `TemperatureC "abc" is not a number`, `2015-03-29T23:20:00.000Z first at line 5704, same values`. */
  readonly detail: string;
}

/**
 * A field of a kept row that the importer set to null because its value was unusable (a bare `0` hPa
 * pressure in the middle of a storm, text in a number column). The row's other measurements, above all
 * its temperature, stay useful, so it is cleaned rather than rejected, and reported here.
 */
export interface Bdg1WeatherCleanedField {
  readonly line: number;
  /** The WeatherObservation field set to null. */
  readonly field: MeasurementField;
  /** The value as written in the file. */
  readonly value: string;
  readonly reason: 'not a number' | 'out of range';
  /** E.g. `Sea Level PressurehPa 0 is outside 850..1100`. */
  readonly detail: string;
}

/** Options of {@link parseBdg1Weather}. */
export interface ParseBdg1WeatherOptions {
  /** Station the file belongs to, as in BuildingRegistered.weatherStationId, e.g. `bdg1-weather2`. */
  readonly stationId: string;
}

/**
 * What {@link parseBdg1Weather} made of a file: every data row is either an observation or rejected;
 * `cleaned` lists the fields of kept rows that were nulled.
 */
export interface Bdg1WeatherParseResult {
  /** Observations in file order (the files are ordered by DateUTC, but this is not relied on). */
  readonly observations: WeatherObservation[];
  /** Rejected rows, by line. */
  readonly rejected: Bdg1WeatherRejectedRow[];
  /** Nulled fields of kept rows, by line then column. */
  readonly cleaned: Bdg1WeatherCleanedField[];
}

const optionsSchema = z.object({ stationId: z.string().trim().min(1, 'stationId is empty') });

/** Tokens the exports use for "not reported". `N/A` appears in the precipitation of other WU exports. */
const MISSING_TOKENS: ReadonlySet<string> = new Set(['', '-', 'N/A']);
/** The numeric "not reported" sentinel of the exports (written `-9999` or `-9999.0`). */
const MISSING_SENTINEL = -9999;

/** Degrees of the 16 compass points, as the exports spell them (`North`, `NNE`, ...), abbreviations too. */
const COMPASS_DEGREES: ReadonlyMap<string, number> = new Map(
  [
    ['north', 'n'],
    ['nne'],
    ['ne'],
    ['ene'],
    ['east', 'e'],
    ['ese'],
    ['se'],
    ['sse'],
    ['south', 's'],
    ['ssw'],
    ['sw'],
    ['wsw'],
    ['west', 'w'],
    ['wnw'],
    ['nw'],
    ['nnw'],
  ].flatMap((names, i) => names.map((name): [string, number] => [name, i * 22.5])),
);

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: string };

/** Parses `YYYY-MM-DD HH:MM[:SS]` as UTC; rejects impossible dates (2015-02-30) instead of rolling over. */
function parseDateUtc(text: string): Outcome<Date> {
  const wall = parseWallClock(text);
  if (wall.ok) return { ok: true, value: new Date(wall.epochMs) };
  return wall.problem === 'layout'
    ? { ok: false, detail: `DateUTC "${text}" is not YYYY-MM-DD HH:MM:SS` }
    : { ok: false, detail: `DateUTC "${text}" is not a real time` };
}

type FieldIssue = Omit<Bdg1WeatherCleanedField, 'line'>;

/** Reads one measurement: missing tokens and the sentinel are null, anything else must be a plausible number. */
function readMeasurement(raw: string, column: MeasurementColumn): number | null | FieldIssue {
  const text = cleanCell(raw);
  if (MISSING_TOKENS.has(text)) return null;
  const n = Number(text);
  const issue = (reason: FieldIssue['reason'], detail: string): FieldIssue => ({
    field: column.field,
    value: raw,
    reason,
    detail,
  });
  if (!Number.isFinite(n)) return issue('not a number', `${column.header} "${text}" is not a number`);
  if (n === MISSING_SENTINEL) return null;
  const value = column.toMetric(n);
  if (value < column.min || value > column.max) {
    return issue('out of range', `${column.header} ${text} is outside ${column.min}..${column.max}`);
  }
  return value;
}

type Measurements = Record<MeasurementField, number | null>;

/**
 * Reads the measurements of a row. Wind: the word `Calm` in the speed column is 0 km/h. Direction: the
 * degrees column is the source of truth when numeric; the compass text only fills in when degrees are
 * missing; `Variable` and calm give null (their degrees column holds a placeholder 0, not north).
 */
function readMeasurements(
  record: readonly string[],
  layout: ColumnLayout,
): { readonly values: Measurements; readonly issues: FieldIssue[] } {
  const values: Measurements = {
    temperatureC: null,
    dewPointC: null,
    relativeHumidityPct: null,
    pressureHpa: null,
    windSpeedKmh: null,
    windDirectionDeg: null,
    precipitationMm: null,
  };
  const issues: FieldIssue[] = [];
  let calm = false;
  for (const { column, index } of layout.measurements) {
    const raw = record[index] ?? '';
    if (column.field === 'windSpeedKmh' && cleanCell(raw).toLowerCase() === 'calm') {
      calm = true;
      values.windSpeedKmh = 0;
      continue;
    }
    const read = readMeasurement(raw, column);
    if (typeof read === 'object' && read !== null) issues.push(read);
    else values[column.field] = read;
  }

  const directionText =
    layout.windDirectionText === undefined ? '' : cleanCell(record[layout.windDirectionText] ?? '');
  const word = directionText.toLowerCase();
  if (calm || word === 'calm' || word === 'variable') {
    values.windDirectionDeg = null;
  } else if (values.windDirectionDeg === null) {
    values.windDirectionDeg = COMPASS_DEGREES.get(word) ?? null;
  }
  return { values, issues };
}

/** Conditions as reported; the exports write `Unknown` (or nothing) when the station did not say. */
function readConditions(record: readonly string[], layout: ColumnLayout): string | null {
  if (layout.conditions === undefined) return null;
  const text = cleanCell(record[layout.conditions] ?? '');
  return MISSING_TOKENS.has(text) || text.toLowerCase() === 'unknown' ? null : text;
}

/** A row mapped to an observation, with the fields nulled on the way. */
export interface Bdg1WeatherRowObservation {
  readonly ok: true;
  readonly observation: WeatherObservation;
  /** Nulled fields of the row (not a number, out of range), without their line. */
  readonly issues: readonly Omit<Bdg1WeatherCleanedField, 'line'>[];
}

/** A row that cannot become an observation. */
export interface Bdg1WeatherRowRejection {
  readonly ok: false;
  readonly reason: Exclude<Bdg1WeatherRejectReason, 'malformed CSV' | 'duplicate timestamp'>;
  readonly detail: string;
}

/**
 * Maps one data row of a Weather Underground export to an observation: the row mapping shared by the
 * whole-file {@link parseBdg1Weather} and the streaming `bdg1-weather` import format, so both read a
 * row the same way. Repeats of a timestamp are the caller's to judge (they need the rows before).
 */
export function mapBdg1WeatherRow(
  fields: readonly string[],
  layout: ColumnLayout,
  stationId: string,
): Bdg1WeatherRowObservation | Bdg1WeatherRowRejection {
  if (fields.length !== layout.width) {
    return {
      ok: false,
      reason: 'wrong column count',
      detail: `${fields.length} fields, the header has ${layout.width}`,
    };
  }
  if (layout.dateUtc === undefined) {
    return { ok: false, reason: 'missing DateUTC', detail: 'the header has no DateUTC column' };
  }
  const dateText = cleanCell(fields[layout.dateUtc] ?? '');
  if (MISSING_TOKENS.has(dateText))
    return { ok: false, reason: 'missing DateUTC', detail: 'DateUTC is empty' };
  const date = parseDateUtc(dateText);
  if (!date.ok) return { ok: false, reason: 'invalid DateUTC', detail: date.detail };
  const measured = readMeasurements(fields, layout);
  const occurredAt = date.value;
  const observation: WeatherObservation = {
    eventId: derivedEventId('bdg1-weather', stationId, occurredAt.toISOString()),
    occurredAt,
    source: BDG1_WEATHER_SOURCE,
    stationId,
    ...measured.values,
    conditions: readConditions(fields, layout),
    traceContext: null,
  };
  return { ok: true, observation, issues: measured.issues };
}

interface CsvRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/**
 * Parses one BDG1 weather file (a Weather Underground export) into WeatherObservation events.
 *
 * - Columns are found by name, so the differing column orders and local-time columns (`TimeBST`,
 *   `TimeEDT`, `TimeSGT`, ...) of the files do not matter; the repeated `timestamp` header is
 *   deduplicated explicitly (`timestamp#2`); neither it nor the local time is used.
 * - `DateUTC` (header and values carry an HTML `<br />`, stripped) is the event time, in UTC.
 * - Empty, `-`, `N/A` and the sentinel `-9999` are null; a non-numeric or physically impossible
 *   value (0 hPa) is null too and listed in `cleaned`, the rest of the row is kept; `Calm` wind speed is 0; `Variable` or calm
 *   wind has a null direction; `Unknown` conditions are null. Imperial columns are converted.
 * - A repeated DateUTC keeps the first row; later ones are rejected as `duplicate timestamp`.
 * - eventId = `derivedEventId('bdg1-weather', stationId, DateUTC ISO)`, so re-importing a file yields
 *   the same events, and the same instant imported from an overlapping file is the same event.
 *
 * Never throws on content: every data row ends up observed or rejected with its line (the line where
 * the record ends, which is the record's line for these single-line files). Throws only on an empty
 * `stationId`.
 */
export function parseBdg1Weather(text: string, options: ParseBdg1WeatherOptions): Bdg1WeatherParseResult {
  const { stationId } = optionsSchema.parse(options);
  const rejected: Bdg1WeatherRejectedRow[] = [];
  const cleaned: Bdg1WeatherCleanedField[] = [];
  // With `info: true` each record comes wrapped with its position; the typings do not express that.
  const records = parse(text, {
    info: true,
    bom: true,
    skip_empty_lines: true,
    // The exports never quote (no value holds a comma). With quoting on, one stray quote makes
    // csv-parse swallow the rest of the file into one bad record; off, the damage stays on its line,
    // and a quoted comma shows up as a wrong column count.
    quote: false,
    // Short or long rows are rejected below with their line instead of failing the whole file.
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      const line = typeof error?.lines === 'number' ? error.lines : 0;
      rejected.push({ line, reason: 'malformed CSV', detail: error?.message ?? 'unparseable record' });
      return undefined;
    },
  }) as unknown as CsvRecord[];

  const [header, ...rows] = records;
  if (header === undefined) return { observations: [], rejected, cleaned };
  const layout = layoutOf(dedupeHeader(header.record));

  const observations: WeatherObservation[] = [];
  const repeats = new TimestampRepeats();
  for (const { record, info } of rows) {
    const line = info.lines;
    const mapped = mapBdg1WeatherRow(record, layout, stationId);
    if (!mapped.ok) {
      rejected.push({ line, reason: mapped.reason, detail: mapped.detail });
      continue;
    }
    const { observation } = mapped;
    const repeat = repeats.check(observation, line);
    if (repeat !== undefined) {
      const same = repeat.sameValues ? 'same values' : 'different values';
      const iso = observation.occurredAt.toISOString();
      rejected.push({
        line,
        reason: 'duplicate timestamp',
        detail: `${iso} first at line ${repeat.firstLine}, ${same}`,
      });
      continue;
    }
    observations.push(observation);
    // Only kept rows report cleaned fields: a rejected row is reported once, by its rejection.
    for (const issue of mapped.issues) cleaned.push({ line, ...issue });
  }
  rejected.sort((a, b) => a.line - b.line);
  return { observations, rejected, cleaned };
}
