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
  LONG_REASONS,
  NO_READING,
  ROW_REASONS,
  readingsLongFormat,
  readingsWideFormat,
  TIME_REASONS,
  VALUE_REASONS,
} from '../../sources/import/index.ts';
import {
  writeSimulatedLongReadings,
  writeSimulatedWideReadings,
} from '../../sources/simulated-readings/index.ts';
import { recordsOf, runFormat, runFormatOnFile } from './readings-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'eaio-readings-long-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const buildings = parseMetaOpen(readFileSync('sources/bdg1/data/meta_open.csv', 'utf8')).buildings;

describe('readings-long on a simulated file', async () => {
  const options = {
    buildings: buildings.slice(100, 130),
    meterKind: 'electricity' as const,
    from: new Date('2016-06-01T00:00:00Z'),
    hours: 48,
    seed: 3,
    timestamps: 'utc' as const,
    emptyBefore: 'staggered' as const,
  };
  const longPath = join(dir, 'trend-log.csv');
  const widePath = join(dir, 'electricity.csv');
  const long = await writeSimulatedLongReadings({ ...options, path: longPath });
  await writeSimulatedWideReadings({ ...options, path: widePath, layout: 'bdg1' });
  const run = runFormatOnFile(readingsLongFormat, longPath, { fileName: 'trend-log.csv' });

  it('is recognised by its header before the wide format', () => {
    const [header] = recordsOf(readFileSync(longPath, 'utf8'));
    expect(IMPORT_FORMATS.find((f) => f.kind === 'readings' && f.matches(header?.fields ?? []))).toBe(
      readingsLongFormat,
    );
  });

  it('accounts for every row and registers each meter once, with the row that first produces it', () => {
    expect(run.units).toHaveLength(long.rows);
    expect(run.readings).toHaveLength(long.values);
    expect(run.cleaned).toHaveLength(long.empty);
    expect(run.deadLetters).toEqual([]);
    const registered = run.results.flatMap((r) =>
      r.registrations.map((e) => (e.event as MeterRegistered).meterId),
    );
    expect(registered).toHaveLength(long.meters);
    expect(new Set(registered).size).toBe(long.meters);
    for (const r of run.results) {
      if (r.registrations.length > 0) expect(r.units[0]?.kind).toBe('produced');
    }
  });

  it('yields the same events, ids and values as the wide file of the same simulation', () => {
    const wide = runFormatOnFile(readingsWideFormat, widePath, { fileName: 'temp_open_utc.csv' });
    const key = (r: { eventId: string; value: number; meterId: string }) =>
      `${r.eventId} ${r.meterId} ${r.value}`;
    expect(run.readings.map(key).sort()).toEqual(wide.readings.map(key).sort());
  });
});

describe('readings-long rows', () => {
  const text = [
    'unit,value,meter_id,timestamp',
    'kwh,12.5,Office_Ellis:electricity,2016-01-01T00:00:00Z',
    'KWH,13,Office_Ellis:electricity,2016-01-01T01:00:00Z',
    'ton_h,3.1,Office_Ellis:chilled_water:ahu-2,2016-01-01T00:00:00Z',
    'kWh,,Office_Ellis:electricity,2016-01-01T02:00:00Z',
    'kWh,NaN,Office_Ellis:electricity,2016-01-01T03:00:00Z',
    'joules,1,Office_Ellis:electricity,2016-01-01T04:00:00Z',
    'm3,1,Office_Ellis:electricity,2016-01-01T05:00:00Z',
    'kWh,abc,Office_Ellis:electricity,2016-01-01T06:00:00Z',
    'kWh,"1,234",Office_Ellis:electricity,2016-01-01T07:00:00Z',
    'kWh,-2,Office_Ellis:electricity,2016-01-01T08:00:00Z',
    'kWh,1,Office_Ellis:electricity,2016-02-30T01:00:00Z',
    'kWh,1,AHU-7,2016-01-01T00:00:00Z',
    'kWh,1,Office_Ellis:electricity',
  ].join('\n');
  const run = runFormat(readingsLongFormat, text, { fileName: 'export.csv', timestamps: 'utc' });
  const byLine = new Map(run.results.map((r) => [r.record.line, r.units[0]]));

  it('reads columns in any order, units in any case, and meter ids with a suffix', () => {
    expect(run.readings.map((r) => [r.meterId, r.buildingId, r.meterKind, r.unit, r.value])).toEqual([
      ['Office_Ellis:electricity', 'Office_Ellis', 'electricity', 'kWh', 12.5],
      ['Office_Ellis:electricity', 'Office_Ellis', 'electricity', 'kWh', 13],
      ['Office_Ellis:chilled_water:ahu-2', 'Office_Ellis', 'chilled_water', 'ton_h', 3.1],
    ]);
    const first = run.readings[0];
    expect(first?.eventId).toBe(
      derivedEventId('import-reading', 'Office_Ellis:electricity', '2016-01-01T00:00:00.000Z'),
    );
  });

  it('registers each meter once with the row that first produces it', () => {
    expect(run.results.map((r) => r.registrations.map((e) => (e.event as MeterRegistered).meterId))).toEqual([
      ['Office_Ellis:electricity'],
      [],
      ['Office_Ellis:chilled_water:ahu-2'],
      ...Array(10).fill([]),
    ]);
    const chilled = run.results[2]?.registrations[0]?.event as MeterRegistered;
    expect([chilled.unit, chilled.brickClass, chilled.buildingId]).toEqual([
      'ton_h',
      'Thermal_Energy_Usage_Sensor',
      'Office_Ellis',
    ]);
  });

  it('names the outcome of every malformed row', () => {
    const outcome = (line: number) => {
      const u = byLine.get(line);
      if (u === undefined) return 'missing';
      if (u.kind === 'cleaned') return u.rule;
      if (u.kind === 'deadLettered') return `${u.reason} | ${u.detail}`;
      return u.kind;
    };
    expect(outcome(5)).toBe(NO_READING);
    expect(outcome(6)).toBe(NO_READING);
    expect(outcome(7)).toBe(
      `${LONG_REASONS.unknownUnit} | unit 'joules' of meter Office_Ellis:electricity is not a known unit`,
    );
    expect(outcome(8)).toBe(
      `${LONG_REASONS.unitChanged} | meter Office_Ellis:electricity reads in kWh in this file; this row says m3`,
    );
    expect(outcome(9)).toBe(`${VALUE_REASONS.notANumber} | meter Office_Ellis:electricity: 'abc'`);
    expect(outcome(10)).toBe(`${VALUE_REASONS.thousandsSeparator} | meter Office_Ellis:electricity: '1,234'`);
    expect(outcome(11)).toBe(`${VALUE_REASONS.negative} | meter Office_Ellis:electricity: '-2'`);
    expect(outcome(12)).toContain(`${TIME_REASONS.invalid} | timestamp '2016-02-30T01:00:00Z'`);
    expect(outcome(13)).toContain(
      `${LONG_REASONS.unknownMeter} | meter AHU-7 is not <buildingId>:<meterKind>`,
    );
    expect(outcome(14)).toBe(`${ROW_REASONS.wrongColumnCount} | the row has 3 fields, the header 4`);
    expect(run.units).toHaveLength(13);
  });

  it('takes building from building_id and kind from --meter-kind for other meter ids, and refuses contradictions', () => {
    const withBuilding = [
      'timestamp,meter_id,value,unit,building_id',
      '2016-01-01T00:00:00Z,AHU-7,1,kWh,Office_Ellis',
      '2016-01-01T00:00:00Z,Office_Ellis:gas,1,therm,Office_Other',
    ].join('\n');
    const without = runFormat(readingsLongFormat, withBuilding, { timestamps: 'utc' });
    expect(without.deadLetters.map((d) => d.reason)).toEqual([
      LONG_REASONS.unknownMeter,
      LONG_REASONS.buildingMismatch,
    ]);
    const withKind = runFormat(readingsLongFormat, withBuilding, { timestamps: 'utc', meterKind: 'steam' });
    expect(withKind.readings.map((r) => [r.meterId, r.buildingId, r.meterKind])).toEqual([
      ['AHU-7', 'Office_Ellis', 'steam'],
    ]);
  });

  it('reads each meter as its own series in local time: its first 01:30 of the fall-back night is daylight time', () => {
    const local = [
      'timestamp,meter_id,value,unit',
      '2016-11-06 01:30:00,Office_Ellis:electricity,1,kWh',
      '2016-11-06 01:30:00,Office_Ellis:gas,1,kWh',
      '2016-11-06 01:30:00,Office_Ellis:electricity,2,kWh',
      '2016-03-13 02:30:00,Office_Ellis:electricity,3,kWh',
      '2016-11-06 01:30:00,Ghost_Building:electricity,3,kWh',
    ].join('\n');
    const r = runFormat(readingsLongFormat, local, {
      fileName: 'trend.csv',
      timezoneOf: (id) => (id === 'Office_Ellis' ? 'America/New_York' : undefined),
    });
    expect(r.readings.map((e) => [e.meterId, e.occurredAt.toISOString()])).toEqual([
      ['Office_Ellis:electricity', '2016-11-06T05:30:00.000Z'],
      ['Office_Ellis:gas', '2016-11-06T05:30:00.000Z'],
      ['Office_Ellis:electricity', '2016-11-06T06:30:00.000Z'],
    ]);
    expect(r.deadLetters.map((d) => d.reason)).toEqual([TIME_REASONS.nonexistent, TIME_REASONS.unknownZone]);
    expect(r.deadLetters[1]?.detail).toContain('Ghost_Building');
  });
});

describe('readings-long header errors', () => {
  const header = (text: string) => () => runFormat(readingsLongFormat, `${text}\n`, { timestamps: 'utc' });

  it('names the missing columns', () => {
    expect(readingsLongFormat.matches(['timestamp', 'meter', 'value', 'unit'])).toBe(false);
    try {
      header('timestamp,meter,value,unit')();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImportHeaderError);
      expect((error as ImportHeaderError).expected).toEqual(['meter_id']);
      expect((error as ImportHeaderError).message).toContain('missing: meter_id');
    }
  });

  it('refuses extra or repeated columns', () => {
    expect(header('timestamp,meter_id,value,unit,comment')).toThrow(/exactly the columns/);
    expect(header('timestamp,meter_id,value,unit,unit')).toThrow(/each once/);
  });
});
