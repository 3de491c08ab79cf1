import { type ColumnLayout, dedupeHeader, layoutOf, mapBdg1WeatherRow } from '../../bdg1/index.ts';
import {
  type ImportEvent,
  type ImportFormat,
  type ImportFormatFactory,
  ImportHeaderError,
  type ImportOptions,
  type RecordResult,
  type SourceRecord,
} from '../import-format.ts';
import type { FahrenheitCleanerOptions } from './fahrenheit-cleaner.ts';
import { WeatherRows } from './weather-rows.ts';

/** Station of a BDG1 weather file from its name, as `meta_open.csv`'s `newweatherfilename` names it. */
export function bdg1StationOfFile(fileName: string): string | undefined {
  const base = fileName.split(/[\\/]/).at(-1) ?? '';
  const match = /^(weather\d+)\b/.exec(base);
  return match ? `bdg1-${match[1]}` : undefined;
}

/** Reads one Weather Underground export of BDG1; one unit per row. */
export function createBdg1WeatherFormat(
  options: ImportOptions,
  cleanerOptions: FahrenheitCleanerOptions = {},
): ImportFormat {
  const stationId = options.stationId ?? bdg1StationOfFile(options.fileName);
  if (stationId === undefined || stationId.trim() === '') {
    throw new ImportHeaderError(
      `cannot tell the weather station of ${options.fileName}: name it weatherN.csv or pass --station`,
      ['--station'],
    );
  }
  const rows = new WeatherRows(cleanerOptions);
  let layout: ColumnLayout | undefined;
  return {
    importer: 'bdg1-weather',
    unit: 'row',
    start(header: SourceRecord): readonly ImportEvent[] {
      layout = layoutOf(dedupeHeader(header.fields));
      if (layout.dateUtc === undefined) {
        throw new ImportHeaderError('the weather header has no DateUTC column', ['DateUTC']);
      }
      return [];
    },
    record(record: SourceRecord): readonly RecordResult[] {
      if (layout === undefined) throw new Error('record() before start()');
      const mapped = mapBdg1WeatherRow(record.fields, layout, stationId);
      if (!mapped.ok) {
        return rows.decided(record, { kind: 'deadLettered', reason: mapped.reason, detail: mapped.detail });
      }
      return rows.observed(
        record,
        mapped.observation,
        mapped.issues.map((issue) => ({ rule: issue.reason, detail: issue.detail })),
      );
    },
    end: () => rows.end(),
  };
}

/** `eaio import weather` of a BDG1 (Weather Underground) export, recognised by its `DateUTC<br />`. */
export const bdg1WeatherFormat: ImportFormatFactory = {
  name: 'bdg1-weather',
  kind: 'weather',
  deadLetterTopic: 'weatherObservations',
  quoting: false,
  example: [
    'timestamp,Conditions,DateUTC<br />,Dew PointC,Events,Gust SpeedKm/h,Humidity,Precipitationmm,Sea Level PressurehPa,TemperatureC,TimeBST,TimeGMT,VisibilityKm,Wind Direction,Wind SpeedKm/h,WindDirDegrees,timestamp',
    '2014-12-01 00:20:00,Unknown,2014-12-01 00:20:00<br />,6.0,,-,93.0,,1015,7.0,,12:20 AM,10.0,Variable,5.6,0,2014-12-01 00:20:00',
    '2014-12-01 00:50:00,Unknown,2014-12-01 00:50:00<br />,3.0,,-,87.0,,1015,5.0,,12:50 AM,10.0,NNW,7.4,340,2014-12-01 00:50:00',
  ].join('\n'),
  matches(header: readonly string[]): boolean {
    const names = dedupeHeader(header);
    return names.includes('DateUTC') && (names.includes('TemperatureC') || names.includes('TemperatureF'));
  },
  create: (options) => createBdg1WeatherFormat(options),
};
