import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import avro from 'avsc';
import { parse } from 'csv-parse/sync';
import { AVRO_SCHEMAS, LOGICAL_TYPES } from '../../../schemas/index.ts';
import type {
  ImportEvent,
  ImportFormatFactory,
  ImportOptions,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from '../../../sources/import/index.ts';

interface ParsedRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
  readonly raw: string;
}

/** Records of a CSV text as the import engine reads them: info, raw text, relaxed column count, bom. */
export function sourceRecords(text: string, quoting: boolean): SourceRecord[] {
  const parsed = parse(text, {
    info: true,
    raw: true,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    ...(quoting ? {} : { quote: false }),
  }) as unknown as ParsedRecord[];
  return parsed.map(({ record, info, raw }) => ({
    line: info.lines,
    fields: record,
    text: raw.replace(/\r\n$|\n$|\r$/, ''),
  }));
}

/** What a run of a format over a file gave: every result in emission order, and the counts. */
export interface FormatRun {
  readonly read: number;
  readonly results: RecordResult[];
  readonly units: UnitOutcome[];
  readonly produced: number;
  readonly cleaned: number;
  readonly deadLettered: number;
  readonly cleanedByRule: Record<string, number>;
  readonly deadLetteredByReason: Record<string, number>;
  /** Events produced, including those of cleaned rows. */
  readonly events: ImportEvent[];
  readonly registrations: ImportEvent[];
}

export function defaultOptions(fileName: string, overrides: Partial<ImportOptions> = {}): ImportOptions {
  return {
    fileName,
    timezoneOf: () => undefined,
    timezoneOfStation: () => undefined,
    registeredAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** Feeds every record of `text` through a format made by `factory`, as the engine would. */
export function runFormat(factory: ImportFormatFactory, text: string, options: ImportOptions): FormatRun {
  const [header, ...rows] = sourceRecords(text, factory.quoting);
  if (header === undefined) throw new Error('empty file');
  if (!factory.matches(header.fields)) throw new Error(`${factory.name} does not match the header`);
  const format = factory.create(options);
  const registrations = [...format.start(header)];
  const results: RecordResult[] = [];
  for (const row of rows) results.push(...format.record(row));
  results.push(...format.end());
  const units = results.flatMap((r) => r.units);
  const count = (kind: UnitOutcome['kind']): number => units.filter((u) => u.kind === kind).length;
  const tally = (keys: string[]): Record<string, number> =>
    keys.reduce<Record<string, number>>((acc, k) => {
      acc[k] = (acc[k] ?? 0) + 1;
      return acc;
    }, {});
  return {
    read: rows.length,
    results,
    units,
    produced: count('produced'),
    cleaned: count('cleaned'),
    deadLettered: count('deadLettered'),
    cleanedByRule: tally(units.flatMap((u) => (u.kind === 'cleaned' ? [u.rule] : []))),
    deadLetteredByReason: tally(units.flatMap((u) => (u.kind === 'deadLettered' ? [u.reason] : []))),
    events: units.flatMap((u) =>
      u.kind === 'produced' || (u.kind === 'cleaned' && u.event) ? [u.event as ImportEvent] : [],
    ),
    registrations: [...registrations, ...results.flatMap((r) => r.registrations)],
  };
}

/** Runs a format over a file on disk, named by its base name. */
export function runFormatOnFile(
  factory: ImportFormatFactory,
  path: string | URL,
  overrides: Partial<ImportOptions> = {},
): FormatRun {
  const file = path instanceof URL ? path.pathname : path;
  return runFormat(factory, readFileSync(path, 'utf8'), defaultOptions(basename(file), overrides));
}

/** Events of a run the Avro schema of their type would refuse, with the paths it names: none expected. */
export function invalidEvents(events: readonly ImportEvent[]): string[] {
  const types = {
    buildings: avro.Type.forSchema(AVRO_SCHEMAS.BuildingRegistered, { logicalTypes: LOGICAL_TYPES }),
    meters: avro.Type.forSchema(AVRO_SCHEMAS.MeterRegistered, { logicalTypes: LOGICAL_TYPES }),
    sensorReadings: avro.Type.forSchema(AVRO_SCHEMAS.SensorReading, { logicalTypes: LOGICAL_TYPES }),
    weatherObservations: avro.Type.forSchema(AVRO_SCHEMAS.WeatherObservation, {
      logicalTypes: LOGICAL_TYPES,
    }),
  };
  const invalid: string[] = [];
  for (const e of events) {
    types[e.topic].isValid(e.event, {
      errorHook: (path) => invalid.push(`${e.key} ${path.join('.')}`),
    });
  }
  return invalid;
}
