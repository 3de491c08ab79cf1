/**
 * Header handling of the Weather Underground exports in BDG1: the same measurements appear under
 * different column orders, with a per-site local-time column (`TimeBST`, `TimeEDT`, `TimeSGT`, ...),
 * an HTML `<br />` glued to `DateUTC`, and `timestamp` twice. Columns are therefore found by name,
 * never by position.
 */

/** Matches the HTML line break Weather Underground appends to the last column of its CSV export. */
const HTML_BREAK = /<br\s*\/?>/gi;

/**
 * A header or value as meant: every `<br />` (and variants) removed, whitespace trimmed, and one pair
 * of enclosing double quotes removed (the files are read with quoting off, see `parseBdg1Weather`).
 */
export function cleanCell(text: string): string {
  const stripped = text.replace(HTML_BREAK, '').trim();
  return stripped.length >= 2 && stripped.startsWith('"') && stripped.endsWith('"')
    ? stripped.slice(1, -1).trim()
    : stripped;
}

/**
 * Names of a header row, cleaned ({@link cleanCell}) and made unique: and a name seen before gets
 * `#2`, `#3`, ... (`timestamp`, `timestamp#2`). Without this, a name-keyed record would keep only the
 * last `timestamp`, silently.
 */
export function dedupeHeader(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw) => {
    const name = cleanCell(raw);
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}#${count}`;
  });
}

/** A measurement the importer maps onto a WeatherObservation field. */
export type MeasurementField =
  | 'temperatureC'
  | 'dewPointC'
  | 'relativeHumidityPct'
  | 'pressureHpa'
  | 'windSpeedKmh'
  | 'windDirectionDeg'
  | 'precipitationMm';

/** Where a measurement is read from: a header name and the conversion of its unit to the schema's. */
export interface MeasurementColumn {
  readonly field: MeasurementField;
  readonly header: string;
  readonly toMetric: (value: number) => number;
  /** Physically possible range in the schema unit; a value outside it is an error, not weather. */
  readonly min: number;
  readonly max: number;
}

const same = (v: number): number => v;

/**
 * Accepted headers per field, metric first. The three shipped files are metric; the imperial names are
 * the other unit setting of the same export, so files of the dataset this was not tuned on still import.
 */
export const MEASUREMENT_COLUMNS: readonly MeasurementColumn[] = [
  { field: 'temperatureC', header: 'TemperatureC', toMetric: same, min: -90, max: 60 },
  { field: 'temperatureC', header: 'TemperatureF', toMetric: (f) => ((f - 32) * 5) / 9, min: -90, max: 60 },
  { field: 'dewPointC', header: 'Dew PointC', toMetric: same, min: -90, max: 60 },
  { field: 'dewPointC', header: 'Dew PointF', toMetric: (f) => ((f - 32) * 5) / 9, min: -90, max: 60 },
  { field: 'relativeHumidityPct', header: 'Humidity', toMetric: same, min: 0, max: 100 },
  { field: 'pressureHpa', header: 'Sea Level PressurehPa', toMetric: same, min: 850, max: 1100 },
  {
    field: 'pressureHpa',
    header: 'Sea Level PressureIn',
    toMetric: (inHg) => inHg * 33.8639,
    min: 850,
    max: 1100,
  },
  { field: 'windSpeedKmh', header: 'Wind SpeedKm/h', toMetric: same, min: 0, max: 400 },
  { field: 'windSpeedKmh', header: 'Wind SpeedMPH', toMetric: (mph) => mph * 1.609344, min: 0, max: 400 },
  { field: 'windDirectionDeg', header: 'WindDirDegrees', toMetric: same, min: 0, max: 360 },
  { field: 'precipitationMm', header: 'Precipitationmm', toMetric: same, min: 0, max: 500 },
  { field: 'precipitationMm', header: 'PrecipitationIn', toMetric: (inch) => inch * 25.4, min: 0, max: 500 },
];

/** Header of the event time (after `<br />` is stripped). */
export const DATE_UTC_HEADER = 'DateUTC';
/** Header of the 16-point compass direction, or `Calm` / `Variable`. */
export const WIND_DIRECTION_TEXT_HEADER = 'Wind Direction';
/** Header of the free-text conditions. */
export const CONDITIONS_HEADER = 'Conditions';

/** Where each used column sits in one file's header; `undefined` when the file lacks it. */
export interface ColumnLayout {
  readonly width: number;
  readonly dateUtc: number | undefined;
  readonly windDirectionText: number | undefined;
  readonly conditions: number | undefined;
  readonly measurements: readonly { readonly column: MeasurementColumn; readonly index: number }[];
}

/**
 * Locates the used columns of a (deduplicated) header. Local-time columns (`Time<zone>`), both
 * `timestamp`s, `Events`, gusts and visibility are deliberately unused: the event time is `DateUTC`,
 * and the local columns of the real files are wrong around midnight and DST changes.
 */
export function layoutOf(names: readonly string[]): ColumnLayout {
  const indexOf = (name: string): number | undefined => {
    const i = names.indexOf(name);
    return i < 0 ? undefined : i;
  };
  const measurements: { column: MeasurementColumn; index: number }[] = [];
  const covered = new Set<MeasurementField>();
  for (const column of MEASUREMENT_COLUMNS) {
    const index = indexOf(column.header);
    // The first accepted header of a field wins, so a file carrying both units reads the metric one.
    if (index === undefined || covered.has(column.field)) continue;
    covered.add(column.field);
    measurements.push({ column, index });
  }
  return {
    width: names.length,
    dateUtc: indexOf(DATE_UTC_HEADER),
    windDirectionText: indexOf(WIND_DIRECTION_TEXT_HEADER),
    conditions: indexOf(CONDITIONS_HEADER),
    measurements,
  };
}
