import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { SensorReading } from '../../schemas/index.ts';
import type {
  ImportEvent,
  ImportFormatFactory,
  ImportOptions,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from '../../sources/import/index.ts';

/** Everything a format did with one file, as the engine would see it. */
export interface FormatRun {
  readonly registrations: readonly ImportEvent[];
  readonly results: readonly RecordResult[];
  readonly units: readonly UnitOutcome[];
  readonly readings: readonly SensorReading[];
  readonly deadLetters: readonly { reason: string; detail: string; line: number }[];
  readonly cleaned: readonly { rule: string; detail: string }[];
}

export function importOptions(overrides: Partial<ImportOptions> = {}): ImportOptions {
  return {
    fileName: 'electricity.csv',
    timezoneOf: () => undefined,
    timezoneOfStation: () => undefined,
    registeredAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** CSV text to the records the engine hands a format (header first), with CSV quoting as the factory says. */
export function recordsOf(text: string, quoting = true): SourceRecord[] {
  // With raw and info, csv-parse returns records wrapped with their text and position (its types omit that).
  const rows = parse(text, {
    raw: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    quote: quoting ? '"' : false,
  }) as unknown as { record: string[]; raw: string; info: { lines: number } }[];
  return rows.map((r) => ({ line: r.info.lines, fields: r.record, text: r.raw.replace(/\r?\n$/, '') }));
}

/** Runs `factory` over `text` like the engine: header, every record, end; collects what came out. */
export function runFormat(
  factory: ImportFormatFactory,
  text: string,
  options: Partial<ImportOptions> = {},
): FormatRun {
  const [header, ...records] = recordsOf(text, factory.quoting);
  if (header === undefined) throw new Error('no header');
  const format = factory.create(importOptions(options));
  const registrations = [...format.start(header)];
  const results: RecordResult[] = [];
  for (const r of records) results.push(...format.record(r));
  results.push(...format.end());
  const units: UnitOutcome[] = [];
  const readings: SensorReading[] = [];
  const deadLetters: { reason: string; detail: string; line: number }[] = [];
  const cleaned: { rule: string; detail: string }[] = [];
  for (const result of results) {
    registrations.push(...result.registrations);
    for (const u of result.units) {
      units.push(u);
      if (u.kind === 'produced' && u.event.topic === 'sensorReadings') readings.push(u.event.event);
      if (u.kind === 'deadLettered')
        deadLetters.push({ reason: u.reason, detail: u.detail, line: result.record.line });
      if (u.kind === 'cleaned') cleaned.push({ rule: u.rule, detail: u.detail });
    }
  }
  return { registrations, results, units, readings, deadLetters, cleaned };
}

export function runFormatOnFile(
  factory: ImportFormatFactory,
  path: string,
  options: Partial<ImportOptions> = {},
): FormatRun {
  return runFormat(factory, readFileSync(path, 'utf8'), options);
}

/** Counts of a list of strings, for comparing outcomes by reason or rule. */
export function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
