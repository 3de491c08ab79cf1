import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MeterRegistered } from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';
import { parseMetaOpen } from '../../sources/bdg1/index.ts';
import {
  IMPORT_FORMATS,
  ImportHeaderError,
  NO_READING,
  ROW_REASONS,
  readingsWideFormat,
  TIME_REASONS,
  VALUE_REASONS,
} from '../../sources/import/index.ts';
import { writeSimulatedWideReadings } from '../../sources/simulated-readings/index.ts';
import { countBy, recordsOf, runFormat, runFormatOnFile } from './readings-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'eaio-readings-wide-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const buildings = parseMetaOpen(readFileSync('sources/bdg1/data/meta_open.csv', 'utf8')).buildings;
const zoneOf = new Map(buildings.map((b) => [b.buildingId, b.timezone]));
const timezoneOf = (id: string) => zoneOf.get(id);

/** Sum of a wide file's values per building and UTC day, read with nothing but string splitting. */
function dailySumsFromFile(text: string): Map<string, number> {
  const [header, ...lines] = text.trimEnd().split('\n');
  const columns = (header ?? '').split(',');
  const sums = new Map<string, number>();
  for (const line of lines) {
    const cells = line.split(',');
    const day = new Date((cells[0] ?? '').replace(' ', 'T')).toISOString().slice(0, 10);
    for (let c = 1; c < cells.length; c++) {
      if (cells[c] === '') continue;
      const key = `${columns[c]}:electricity|${day}`;
      sums.set(key, (sums.get(key) ?? 0) + Number(cells[c]));
    }
  }
  return sums;
}

describe('readings-wide on a simulated BDG1 temp_open_utc.csv', async () => {
  const fleet = buildings.slice(0, 40);
  const path = join(dir, 'temp_open_utc.csv');
  const written = await writeSimulatedWideReadings({
    path,
    buildings: fleet,
    meterKind: 'electricity',
    from: new Date('2015-01-01T00:00:00Z'),
    hours: 24 * 5,
    seed: 7,
    layout: 'bdg1',
    timestamps: 'utc',
    emptyBefore: 'staggered',
    gapRate: 0.02,
  });
  const run = runFormatOnFile(readingsWideFormat, path, { fileName: 'temp_open_utc.csv' });

  it('is recognised by its header and written in the BDG1 layout', () => {
    const [header, first] = recordsOf(readFileSync(path, 'utf8'));
    expect(header?.fields[0]).toBe('timestamp');
    expect(header?.fields.slice(1)).toEqual(fleet.map((b) => b.buildingId));
    expect(first?.fields[0]).toBe('2015-01-01 00:00:00+00:00');
    expect(IMPORT_FORMATS.find((f) => f.kind === 'readings' && f.matches(header?.fields ?? []))).toBe(
      readingsWideFormat,
    );
  });

  it('accounts for every cell: produced = values written, cleaned as no reading = empty cells, nothing else', () => {
    expect(written.empty).toBeGreaterThan(0);
    expect(run.units).toHaveLength(written.rows * written.meters);
    expect(run.readings).toHaveLength(written.values);
    expect(countBy(run.cleaned.map((c) => c.rule))).toEqual({ [NO_READING]: written.empty });
    expect(run.deadLetters).toEqual([]);
    for (const r of run.results) expect(r.units).toHaveLength(fleet.length);
  });

  it('registers one electricity meter per column first, in kWh with its Brick class', () => {
    const meters = run.registrations.map((r) => r.event as MeterRegistered);
    expect(run.registrations.every((r) => r.topic === 'meters')).toBe(true);
    expect(meters.map((m) => m.meterId)).toEqual(fleet.map((b) => `${b.buildingId}:electricity`));
    expect(new Set(meters.map((m) => `${m.meterKind} ${m.unit} ${m.brickClass}`))).toEqual(
      new Set(['electricity kWh Electrical_Energy_Usage_Sensor']),
    );
    expect(run.results.every((r) => r.registrations.length === 0)).toBe(true);
  });

  it('gives each reading the natural-key id of its meter and instant, keyed by meter', () => {
    const first = run.readings.find((r) => r.buildingId === fleet[0]?.buildingId);
    expect(first).toBeDefined();
    if (first === undefined) return;
    expect(first.eventId).toBe(
      derivedEventId('import-reading', first.meterId, first.occurredAt.toISOString()),
    );
    expect(first.source).toBe('eaio-import');
    expect(new Set(run.readings.map((r) => r.eventId)).size).toBe(run.readings.length);
    const again = runFormatOnFile(readingsWideFormat, path, { fileName: 'temp_open_utc.csv' });
    expect(again.readings.map((r) => r.eventId)).toEqual(run.readings.map((r) => r.eventId));
  });

  it('per-meter daily sums of the produced events equal the sums computed from the file', () => {
    const fromEvents = new Map<string, number>();
    for (const r of run.readings) {
      const key = `${r.meterId}|${r.occurredAt.toISOString().slice(0, 10)}`;
      fromEvents.set(key, (fromEvents.get(key) ?? 0) + r.value);
    }
    const fromFile = dailySumsFromFile(readFileSync(path, 'utf8'));
    expect([...fromEvents.keys()].sort()).toEqual([...fromFile.keys()].sort());
    for (const [key, sum] of fromFile) expect(fromEvents.get(key)).toBeCloseTo(sum, 6);
  });
});

describe('readings-wide on a simulated BDG2 meters/raw file in local time', async () => {
  // Two US zones and London across both 2016 changes; BDG2 labels every wall-clock hour once.
  const fleet = ['America/New_York', 'America/Chicago', 'Europe/London'].map(
    (zone) => buildings.find((b) => b.timezone === zone) ?? buildings[0],
  ) as typeof buildings;
  const path = join(dir, 'chilledwater.csv');
  const written = await writeSimulatedWideReadings({
    path,
    buildings: fleet,
    meterKind: 'chilled_water',
    from: new Date('2016-03-12T00:00:00Z'),
    hours: 24 * 20,
    seed: 'bdg2',
    layout: 'bdg2',
    timestamps: 'local',
  });
  const run = runFormatOnFile(readingsWideFormat, path, { fileName: 'chilledwater.csv', timezoneOf });

  it('reads chilledwater.csv as chilled_water in kWh (BDG2 raw units) with BDG2 local labels', () => {
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[1]?.startsWith('2016-03-12 00:00:00,')).toBe(true);
    const meters = run.registrations.map((r) => r.event as MeterRegistered);
    expect(meters.map((m) => m.meterId)).toEqual(fleet.map((b) => `${b.buildingId}:chilled_water`));
    expect(meters.every((m) => m.unit === 'kWh' && m.brickClass === 'Thermal_Energy_Usage_Sensor')).toBe(
      true,
    );
  });

  it('dead-letters exactly the skipped spring-forward label of each zone and converts the rest per zone', () => {
    expect(run.units).toHaveLength(written.rows * 3);
    expect(run.deadLetters.map((d) => `${d.reason}: ${d.detail.slice(0, 19)}`)).toEqual([
      `${TIME_REASONS.nonexistent}: 2016-03-13T02:00:00`,
      `${TIME_REASONS.nonexistent}: 2016-03-13T02:00:00`,
      `${TIME_REASONS.nonexistent}: 2016-03-27T01:00:00`,
    ]);
    expect(run.deadLetters[2]?.detail).toContain('Europe/London');
    expect(run.readings).toHaveLength(written.values - 3);
    const newYork = run.readings.filter((r) => r.buildingId === fleet[0]?.buildingId);
    const london = run.readings.filter((r) => r.buildingId === fleet[2]?.buildingId);
    const at = (rs: typeof newYork, i: number) => rs[i]?.occurredAt.toISOString();
    expect(at(newYork, 0)).toBe('2016-03-12T05:00:00.000Z');
    expect(at(london, 0)).toBe('2016-03-12T00:00:00.000Z');
    // Local series of one zone stay ordered and hourly except around the skipped label.
    const steps = newYork
      .slice(1)
      .map((r, i) => r.occurredAt.getTime() - (newYork[i]?.occurredAt.getTime() ?? 0));
    expect(steps.filter((s) => s !== 3_600_000)).toEqual([]);
  });
});

describe('readings-wide edge cases', () => {
  const text = [
    'timestamp,Office_Ellis,PrimClass_Jolie,UnivLab_Aine',
    '2016-01-01 00:00:00+00:00,12.5,,NaN',
    '2016-01-01 01:00:00+00:00,abc,"1,234",-5',
    '2016-01-01 02:00:00+00:00,1,2',
    '2016-02-30 01:00:00+00:00,1,2,3',
    '2016-01-01 03:00:00Z,0,1e3, 7 ',
  ].join('\n');
  const run = runFormat(readingsWideFormat, text, { fileName: 'electricity.csv' });

  it('accounts for every cell of every row, malformed rows included', () => {
    expect(run.units).toHaveLength(5 * 3);
    expect(run.results.map((r) => r.record.line)).toEqual([2, 3, 4, 5, 6]);
  });

  it('cleans empty and NaN cells as no reading, without an event', () => {
    expect(run.cleaned).toEqual([
      { rule: NO_READING, detail: 'PrimClass_Jolie: no value' },
      { rule: NO_READING, detail: 'UnivLab_Aine: no value' },
    ]);
  });

  it('dead-letters a non-number, a thousands separator and a negative value, naming column and value', () => {
    const row3 = run.deadLetters.filter((d) => d.line === 3);
    expect(row3).toEqual([
      { reason: VALUE_REASONS.notANumber, detail: "Office_Ellis: 'abc'", line: 3 },
      { reason: VALUE_REASONS.thousandsSeparator, detail: "PrimClass_Jolie: '1,234'", line: 3 },
      { reason: VALUE_REASONS.negative, detail: "UnivLab_Aine: '-5'", line: 3 },
    ]);
  });

  it('dead-letters every unit of a row with the wrong column count or an impossible date', () => {
    expect(run.deadLetters.filter((d) => d.line === 4).map((d) => d.reason)).toEqual(
      Array(3).fill(ROW_REASONS.wrongColumnCount),
    );
    const impossible = run.deadLetters.filter((d) => d.line === 5);
    expect(impossible.map((d) => d.reason)).toEqual(Array(3).fill(TIME_REASONS.invalid));
    expect(impossible[0]?.detail).toContain('2016-02-30');
  });

  it('produces the good cells with their values and instants', () => {
    expect(run.readings.map((r) => [r.meterId, r.occurredAt.toISOString(), r.value])).toEqual([
      ['Office_Ellis:electricity', '2016-01-01T00:00:00.000Z', 12.5],
      ['Office_Ellis:electricity', '2016-01-01T03:00:00.000Z', 0],
      ['PrimClass_Jolie:electricity', '2016-01-01T03:00:00.000Z', 1000],
      ['UnivLab_Aine:electricity', '2016-01-01T03:00:00.000Z', 7],
    ]);
  });

  it('quotes at most 80 characters of a huge field in the detail', () => {
    const huge = `9${'x'.repeat(1_000_000)}`;
    const r = runFormat(readingsWideFormat, `timestamp,A\n2016-01-01T00:00Z,${huge}\n`);
    expect(r.deadLetters[0]?.reason).toBe(VALUE_REASONS.notANumber);
    expect(r.deadLetters[0]?.detail.length).toBeLessThan(120);
    expect(r.deadLetters[0]?.detail).toContain('(1000001 characters)');
  });

  it('reads naive timestamps as UTC with --timestamps utc, and in each building zone in local mode', () => {
    const naive = 'timestamp,Office_Ellis,Ghost_Building\n2016-07-01 12:00:00,1,2\n';
    const utc = runFormat(readingsWideFormat, naive, { timestamps: 'utc' });
    expect(utc.readings.map((r) => r.occurredAt.toISOString())).toEqual([
      '2016-07-01T12:00:00.000Z',
      '2016-07-01T12:00:00.000Z',
    ]);
    const zones = new Map([['Office_Ellis', 'America/New_York']]);
    const local = runFormat(readingsWideFormat, naive, { timezoneOf: (id) => zones.get(id) });
    expect(local.readings.map((r) => [r.buildingId, r.occurredAt.toISOString()])).toEqual([
      ['Office_Ellis', '2016-07-01T16:00:00.000Z'],
    ]);
    expect(local.deadLetters).toHaveLength(1);
    expect(local.deadLetters[0]?.reason).toBe(TIME_REASONS.unknownZone);
    expect(local.deadLetters[0]?.detail).toContain('Ghost_Building');
  });

  it('keeps a true local hourly series continuous across fall back, per zone of each column', () => {
    const series = [
      'timestamp,Office_NY,Office_London',
      '2016-11-06 00:00:00,1,1',
      '2016-11-06 01:00:00,2,2',
      '2016-11-06 01:00:00,3,3',
      '2016-11-06 02:00:00,4,4',
    ].join('\n');
    const zones = new Map([
      ['Office_NY', 'America/New_York'],
      ['Office_London', 'Europe/London'],
    ]);
    const r = runFormat(readingsWideFormat, series, { timezoneOf: (id) => zones.get(id) });
    const at = (building: string) =>
      r.readings
        .filter((e) => e.buildingId === building)
        .map((e) => e.occurredAt.toISOString().slice(11, 16));
    expect(at('Office_NY')).toEqual(['04:00', '05:00', '06:00', '07:00']);
    // London changed a week earlier: its two 01:00 cells are one instant, so the second is the same event.
    expect(at('Office_London')).toEqual(['00:00', '01:00', '01:00', '02:00']);
    const london = r.readings.filter((e) => e.buildingId === 'Office_London');
    expect(london[1]?.eventId).toBe(london[2]?.eventId);
  });

  it('takes the kind from the BDG2 file name or --meter-kind and the unit from the kind or --unit', () => {
    const header = 'timestamp,Panther_parking_Lorriane\n2016-01-01 00:00:00,3\n';
    const kindOf = (fileName: string, extra = {}) => {
      const r = runFormat(readingsWideFormat, header, { fileName, timestamps: 'utc', ...extra });
      const m = r.registrations[0]?.event as MeterRegistered;
      return `${m.meterId} ${m.unit} ${m.brickClass} ${r.readings[0]?.unit}`;
    };
    expect(kindOf('hotwater.csv')).toBe(
      'Panther_parking_Lorriane:hot_water kWh Thermal_Energy_Usage_Sensor kWh',
    );
    expect(kindOf('water_cleaned.csv')).toBe('Panther_parking_Lorriane:water L Water_Usage_Sensor L');
    expect(kindOf('gas.csv', { unit: 'therm' })).toBe(
      'Panther_parking_Lorriane:gas therm Energy_Usage_Sensor therm',
    );
    expect(kindOf('export.csv', { meterKind: 'solar' })).toBe(
      'Panther_parking_Lorriane:solar kWh Energy_Generation_Sensor kWh',
    );
  });
});

describe('readings-wide header errors', () => {
  const start =
    (text: string, fileName = 'electricity.csv') =>
    () =>
      runFormat(readingsWideFormat, text, { fileName, timestamps: 'utc' });

  it('names timestamp when the first column is something else', () => {
    expect(readingsWideFormat.matches(['time', 'Office_Ellis'])).toBe(false);
    expect(start('time,Office_Ellis\n')).toThrow(ImportHeaderError);
    try {
      start('time,Office_Ellis\n')();
    } catch (error) {
      expect((error as ImportHeaderError).expected).toEqual(['timestamp']);
      expect((error as ImportHeaderError).code).toBe('IMPORT_HEADER');
    }
  });

  it('refuses a header without building columns, a duplicate column and a file whose kind is unknown', () => {
    expect(start('timestamp\n')).toThrow(/column per building/);
    expect(start('timestamp,A,B,A\n')).toThrow(/'A' appears twice/);
    expect(start('timestamp,A\n', 'export.csv')).toThrow(/--meter-kind/);
  });

  it('leaves timestamp-first headers of other layouts to their formats', () => {
    const bdg1Weather = readFileSync('sources/bdg1/data/weather/weather2.csv', 'utf8').split('\n')[0] ?? '';
    expect(readingsWideFormat.matches(recordsOf(bdg1Weather)[0]?.fields ?? [])).toBe(false);
    expect(readingsWideFormat.matches(['timestamp', 'site_id', 'airTemperature', 'dewTemperature'])).toBe(
      false,
    );
    expect(readingsWideFormat.matches(['timestamp', 'meter_id', 'value', 'unit'])).toBe(false);
    expect(readingsWideFormat.matches(['timestamp', 'Panther_parking_Lorriane'])).toBe(true);
  });

  it('accepts a UTF-8 byte-order mark before timestamp', () => {
    expect(readingsWideFormat.matches(['\ufefftimestamp', 'Office_Ellis'])).toBe(true);
    expect(runFormat(readingsWideFormat, '\ufefftimestamp,A\n2016-01-01T00:00Z,1\n').readings).toHaveLength(
      1,
    );
  });
});
