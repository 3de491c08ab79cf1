import { derivedEventId, type WeatherObservation } from '../../../schemas/index.ts';
import { parseWallClock } from '../../bdg1/index.ts';
import type {
  ImportEvent,
  ImportFormat,
  ImportFormatFactory,
  ImportOptions,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from '../import-format.ts';
import type { FahrenheitCleanerOptions, FieldCleaning } from './fahrenheit-cleaner.ts';
import { instantsOfLocalTime } from './local-time.ts';
import { requireColumns } from './required-columns.ts';
import { WeatherRows } from './weather-rows.ts';

/**
 * BDG2 `data/weather/weather.csv` (buds-lab/building-data-genome-project-2): hourly NOAA ISD
 * observations of the 19 sites, many stations in one file. Its timestamps are local to the site
 * (the BDG2 authors fixed the Kaggle release's UTC weather to local time, buds-lab/
 * building-data-genome-project-2 issue #10); `weather_UTC.csv` of the same repository keeps UTC, read
 * with `--timestamps utc`. Units as the GEPIII data description gives them: °C, oktas, mm, hPa,
 * degrees, wind in m/s; a precipitation of -1 is read as a trace (0 mm), an assumption BDG2 does not
 * document.
 */
export const BDG2_WEATHER_COLUMNS = [
  'timestamp',
  'site_id',
  'airTemperature',
  'cloudCoverage',
  'dewTemperature',
  'precipDepth1HR',
  'precipDepth6HR',
  'seaLvlPressure',
  'windDirection',
  'windSpeed',
] as const;

export const BDG2_WEATHER_SOURCE = 'bdg2-importer';

type Column = (typeof BDG2_WEATHER_COLUMNS)[number];
type Measured =
  | 'temperatureC'
  | 'dewPointC'
  | 'pressureHpa'
  | 'windSpeedKmh'
  | 'windDirectionDeg'
  | 'precipitationMm';

const MEASUREMENTS: readonly {
  readonly column: Column;
  readonly field: Measured;
  readonly toMetric: (v: number) => number;
  readonly min: number;
  readonly max: number;
}[] = [
  { column: 'airTemperature', field: 'temperatureC', toMetric: (v) => v, min: -90, max: 60 },
  { column: 'dewTemperature', field: 'dewPointC', toMetric: (v) => v, min: -90, max: 60 },
  { column: 'seaLvlPressure', field: 'pressureHpa', toMetric: (v) => v, min: 850, max: 1100 },
  // m/s to km/h; rounded so 1.5 m/s is 5.4 km/h, not 5.4000000000000004.
  {
    column: 'windSpeed',
    field: 'windSpeedKmh',
    toMetric: (v) => Math.round(v * 3.6 * 1e6) / 1e6,
    min: 0,
    max: 400,
  },
  { column: 'windDirection', field: 'windDirectionDeg', toMetric: (v) => v, min: 0, max: 360 },
  // -1 in GEPIII's precipitation is commonly read as a trace: less than can be measured, so 0 mm.
  {
    column: 'precipDepth1HR',
    field: 'precipitationMm',
    toMetric: (v) => (v === -1 ? 0 : v),
    min: 0,
    max: 500,
  },
];

const deadLetter = (reason: string, detail: string): UnitOutcome => ({
  kind: 'deadLettered',
  reason,
  detail,
});

/** Reads BDG2 `weather.csv`; one unit per row; station `bdg2-<site_id>`. */
export function createBdg2WeatherFormat(
  options: ImportOptions,
  cleanerOptions: FahrenheitCleanerOptions = {},
): ImportFormat {
  const utc = options.timestamps === 'utc';
  const rows = new WeatherRows(cleanerOptions);
  /** Instants already given to a repeated local time, so its second occurrence takes the later one. */
  const ambiguousSeen = new Set<string>();
  let index: Record<Column, number> | undefined;
  let width = 0;

  function occurredAt(text: string, stationId: string): number | UnitOutcome {
    const parsed = parseWallClock(text);
    if (!parsed.ok) return deadLetter('invalid timestamp', `timestamp "${text}" is not YYYY-MM-DD HH:MM:SS`);
    const wall = parsed.epochMs;
    if (utc) return wall;
    const zone = options.timezoneOfStation(stationId);
    if (zone === undefined) {
      return deadLetter(
        'unknown time zone',
        `local timestamp of ${stationId} and no time zone known for it: import the BDG2 metadata first or pass --timestamps utc`,
      );
    }
    const instants = instantsOfLocalTime(wall, zone);
    if (instants.length === 0) {
      return deadLetter('nonexistent local time', `${text} does not exist in ${zone} (clocks went forward)`);
    }
    if (instants.length === 1) return instants[0] as number;
    // The repeated hour when clocks go back: the first row showing it is the earlier instant, a second the later.
    const key = `${stationId}\u001f${wall}`;
    if (ambiguousSeen.has(key)) return instants[1] as number;
    ambiguousSeen.add(key);
    return instants[0] as number;
  }

  return {
    importer: 'bdg2-weather',
    unit: 'row',
    start(header: SourceRecord): readonly ImportEvent[] {
      const names = requireColumns(header.fields, BDG2_WEATHER_COLUMNS, 'BDG2 weather');
      width = names.length;
      index = Object.fromEntries(BDG2_WEATHER_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<
        Column,
        number
      >;
      return [];
    },
    record(record: SourceRecord): readonly RecordResult[] {
      if (index === undefined) throw new Error('record() before start()');
      const fields = record.fields.map((f) => f.trim());
      const cell = (c: Column): string => fields[(index as Record<Column, number>)[c]] ?? '';
      if (record.fields.length !== width) {
        return rows.decided(
          record,
          deadLetter('wrong column count', `${record.fields.length} fields, expected ${width}`),
        );
      }
      const site = cell('site_id');
      if (site === '') return rows.decided(record, deadLetter('missing site_id', 'site_id is empty'));
      const stationId = `bdg2-${site}`;
      const at = occurredAt(cell('timestamp'), stationId);
      if (typeof at !== 'number') return rows.decided(record, at);

      const values: Record<Measured, number | null> = {
        temperatureC: null,
        dewPointC: null,
        pressureHpa: null,
        windSpeedKmh: null,
        windDirectionDeg: null,
        precipitationMm: null,
      };
      const cleanings: FieldCleaning[] = [];
      for (const m of MEASUREMENTS) {
        const text = cell(m.column);
        if (text === '' || text.toLowerCase() === 'nan') continue;
        const n = Number(text);
        if (!Number.isFinite(n)) {
          cleanings.push({ rule: 'not a number', detail: `${m.column} "${text}" is not a number` });
          continue;
        }
        const v = m.toMetric(n);
        if (v < m.min || v > m.max) {
          cleanings.push({
            rule: 'out of range',
            detail: `${m.column} ${text} is outside ${m.min}..${m.max}`,
          });
          continue;
        }
        values[m.field] = v;
      }
      const date = new Date(at);
      const observation: WeatherObservation = {
        eventId: derivedEventId('bdg2-weather', stationId, date.toISOString()),
        occurredAt: date,
        source: BDG2_WEATHER_SOURCE,
        stationId,
        relativeHumidityPct: null,
        ...values,
        conditions: null,
        traceContext: null,
      };
      return rows.observed(record, observation, cleanings);
    },
    end: () => rows.end(),
  };
}

/** `eaio import weather` of BDG2 `weather.csv` (or `weather_UTC.csv` with `--timestamps utc`). */
export const bdg2WeatherFormat: ImportFormatFactory = {
  name: 'bdg2-weather',
  kind: 'weather',
  deadLetterTopic: 'weatherObservations',
  quoting: true,
  example: [
    BDG2_WEATHER_COLUMNS.join(','),
    '2016-01-01 00:00:00,Panther,19.4,,19.4,0.0,,1019.7,0.0,0.0',
    '2016-01-01 01:00:00,Panther,21.1,6.0,21.1,-1.0,,1020.2,70.0,1.5',
  ].join('\n'),
  matches(header: readonly string[]): boolean {
    const names = header.map((h) => h.trim());
    return names.includes('site_id') && names.includes('airTemperature') && names.includes('dewTemperature');
  },
  create: (options) => createBdg2WeatherFormat(options),
};
