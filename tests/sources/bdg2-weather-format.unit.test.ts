import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivedEventId, type WeatherObservation } from '../../schemas/index.ts';
import {
  BDG2_WEATHER_COLUMNS,
  bdg2WeatherFormat,
  canonicalTimeZone,
  IMPORT_FORMATS,
  instantsOfLocalTime,
} from '../../sources/import/formats/index.ts';
import { ImportHeaderError, type ImportOptions } from '../../sources/import/index.ts';
import {
  defaultOptions,
  type FormatRun,
  invalidEvents,
  runFormat,
  sourceRecords,
} from './support/run-import-format.ts';

/**
 * `fixtures/bdg2-weather.sample.csv`: the real BDG2 weather.csv layout and site ids (Panther: UCF,
 * Orlando; Bear: UC Berkeley) with realistic hourly values, written for these tests (the real file is
 * 19 MB in Git LFS). Timestamps are local to the site, as in BDG2 (issue #10 of
 * buds-lab/building-data-genome-project-2); it holds the November 2016 repeated 01:00 of Orlando.
 */
const fixture = readFileSync(new URL('./fixtures/bdg2-weather.sample.csv', import.meta.url), 'utf8');

const zones: Record<string, string> = { 'bdg2-Panther': 'US/Eastern', 'bdg2-Bear': 'US/Pacific' };
const options = (overrides: Partial<ImportOptions> = {}): ImportOptions =>
  defaultOptions('weather.csv', {
    timezoneOfStation: (station) => canonicalTimeZone(zones[station] ?? ''),
    ...overrides,
  });
const run = (body: string, overrides: Partial<ImportOptions> = {}): FormatRun =>
  runFormat(bdg2WeatherFormat, body, options(overrides));

const observations = (r: FormatRun): WeatherObservation[] =>
  r.events.flatMap((e) => (e.topic === 'weatherObservations' ? [e.event] : []));
const header = BDG2_WEATHER_COLUMNS.join(',');

function outcomes(r: FormatRun): [number, string][] {
  return r.results.flatMap((res) =>
    res.units.map((u): [number, string] => [
      res.record.line,
      u.kind === 'cleaned' ? u.rule : u.kind === 'deadLettered' ? u.reason : 'produced',
    ]),
  );
}

describe('bdg2-weather on the fixture', () => {
  it('accounts for every row and reads local timestamps in the station zone, DST repeat included', () => {
    const r = run(fixture);
    expect(r.read).toBe(16);
    expect(r.produced).toBe(16);
    expect(r.produced + r.cleaned + r.deadLettered).toBe(r.read);
    expect(invalidEvents(r.events)).toEqual([]);
    const obs = observations(r);
    const panther = obs.filter((o) => o.stationId === 'bdg2-Panther').map((o) => o.occurredAt.toISOString());
    expect(panther).toEqual([
      '2016-01-01T05:00:00.000Z',
      '2016-01-01T06:00:00.000Z',
      '2016-01-01T07:00:00.000Z',
      '2016-01-01T08:00:00.000Z',
      '2016-01-01T09:00:00.000Z',
      '2016-01-01T10:00:00.000Z',
      '2016-11-06T04:00:00.000Z',
      // 01:00 twice on the night clocks went back: first EDT, then EST.
      '2016-11-06T05:00:00.000Z',
      '2016-11-06T06:00:00.000Z',
      '2016-11-06T07:00:00.000Z',
    ]);
    expect(obs.find((o) => o.stationId === 'bdg2-Bear')?.occurredAt.toISOString()).toBe(
      '2016-01-01T08:00:00.000Z',
    );
  });

  it('converts the units: wind m/s to km/h, a trace of precipitation (-1) to 0 mm, empty to null', () => {
    const [first, second] = observations(run(fixture));
    expect(second).toEqual({
      eventId: derivedEventId('bdg2-weather', 'bdg2-Panther', '2016-01-01T06:00:00.000Z'),
      occurredAt: new Date('2016-01-01T06:00:00.000Z'),
      source: 'bdg2-importer',
      stationId: 'bdg2-Panther',
      temperatureC: 21.1,
      dewPointC: 21.1,
      relativeHumidityPct: null,
      pressureHpa: 1019.7,
      windSpeedKmh: 5.4,
      windDirectionDeg: 70,
      precipitationMm: 0,
      conditions: null,
      traceContext: null,
    });
    expect(first).toMatchObject({ windSpeedKmh: 0, precipitationMm: 0 });
    const bear = observations(run(fixture)).filter((o) => o.stationId === 'bdg2-Bear');
    expect(bear[2]).toMatchObject({ windDirectionDeg: null, precipitationMm: null });
    expect(bear[4]).toMatchObject({ pressureHpa: null, windSpeedKmh: 3.6 });
  });

  it('reads weather_UTC.csv timestamps as UTC with --timestamps utc, and gives stable ids', () => {
    const utc = observations(run(fixture, { timestamps: 'utc', timezoneOfStation: () => undefined }));
    expect(utc[0]?.occurredAt.toISOString()).toBe('2016-01-01T00:00:00.000Z');
    expect(observations(run(fixture)).map((o) => o.eventId)).toEqual(
      observations(run(fixture)).map((o) => o.eventId),
    );
  });

  it('is the one format recognising the header; quoting on (pandas may quote)', () => {
    const [h] = sourceRecords(fixture, true);
    expect(IMPORT_FORMATS.filter((f) => f.matches(h?.fields ?? []))).toEqual([bdg2WeatherFormat]);
    expect(bdg2WeatherFormat.example.split('\n')[0]).toBe(header);
  });
});

describe('bdg2-weather on rows it cannot use', () => {
  it('dead-letters with a reason and keeps the rest', () => {
    const body = [
      header,
      '2016-03-13 01:00:00,Panther,15.0,,10.0,0,,1015,0,1',
      '2016-03-13 02:00:00,Panther,15.0,,10.0,0,,1015,0,1',
      '2016-03-13 03:00:00,Panther,15.0,,10.0,0,,1015,0,1',
      '2016-03-13 03:00:00,Panther,15.0,,10.0,0,,1015,0,1',
      '2016-03-13 03:00:00,Panther,16.0,,10.0,0,,1015,0,1',
      '2016-03-13 04:00:00,Lynx,15.0,,10.0,0,,1015,0,1',
      '2016-02-30 04:00:00,Panther,15.0,,10.0,0,,1015,0,1',
      '2016-03-13 05:00:00,,15.0,,10.0,0,,1015,0,1',
      '2016-03-13 06:00:00,Panther,15.0',
      '2016-03-13 06:30:00,Panther,15.0,,10.0,0,,1015,0,1,extra',
      '2016-03-13 07:00:00,Panther,abc,,10.0,0,,1015,0,1',
      '2016-03-13 08:00:00,Panther,15.0,,10.0,0,,0,0,1',
    ].join('\n');
    const r = run(body);
    expect(outcomes(r)).toEqual([
      [2, 'produced'],
      [3, 'nonexistent local time'],
      [4, 'produced'],
      [5, 'repeated row'],
      [6, 'conflicting duplicate timestamp'],
      [7, 'unknown time zone'],
      [8, 'invalid timestamp'],
      [9, 'missing site_id'],
      [10, 'wrong column count'],
      [11, 'wrong column count'],
      [12, 'not a number'],
      [13, 'out of range'],
    ]);
    expect(r.produced + r.cleaned + r.deadLettered).toBe(r.read);
  });

  it('fails at once on a header missing a column, naming it', () => {
    const format = bdg2WeatherFormat.create(options());
    const fields = BDG2_WEATHER_COLUMNS.filter((c) => c !== 'windSpeed');
    expect(() => format.start({ line: 1, fields: [...fields], text: '' })).toThrow(ImportHeaderError);
    expect(() => format.start({ line: 1, fields: [...fields], text: '' })).toThrow(
      expect.objectContaining({ expected: ['windSpeed'] }),
    );
  });

  it('cleans a °F block of one station while another station interleaves', () => {
    const rows = [header];
    for (let h = 0; h < 96; h++) {
      const stamp = new Date(Date.UTC(2016, 0, 10, h)).toISOString().slice(0, 19).replace('T', ' ');
      const c = 4 + 3 * Math.sin((2 * Math.PI * h) / 24);
      const inBlock = h >= 30 && h < 60;
      const t = inBlock ? c * 1.8 + 32 : c;
      const d = inBlock ? (c - 3) * 1.8 + 32 : c - 3;
      rows.push(`${stamp},Panther,${t.toFixed(1)},,${d.toFixed(1)},0,,1015,0,1`);
      rows.push(`${stamp},Bear,${(c + 5).toFixed(1)},,${(c + 1).toFixed(1)},0,,1015,0,1`);
    }
    const r = run(rows.join('\n'), { timestamps: 'utc' });
    const block = outcomes(r).filter(([, o]) => o === 'fahrenheit block');
    expect(block).toHaveLength(30);
    expect(block[0]?.[0]).toBe(2 + 2 * 30);
    expect(r.results.map((x) => x.record.line)).toEqual(r.results.map((_, i) => i + 2));
    expect(r.produced + r.cleaned).toBe(192);
  });
});

describe('local time rules', () => {
  it('gives two instants for the repeated hour, none for the skipped one, and canonical zone names', () => {
    const ny = 'America/New_York';
    const at = (s: string) =>
      instantsOfLocalTime(Date.parse(`${s}Z`), ny).map((i) => new Date(i).toISOString());
    expect(at('2016-11-06T01:30:00')).toEqual(['2016-11-06T05:30:00.000Z', '2016-11-06T06:30:00.000Z']);
    expect(at('2016-03-13T02:30:00')).toEqual([]);
    expect(at('2016-07-01T12:00:00')).toEqual(['2016-07-01T16:00:00.000Z']);
    expect(canonicalTimeZone('US/Eastern')).toBe('America/New_York');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
  });

  it('maps every instant back to itself from its wall clock, in zones with odd offsets and DST (property)', () => {
    const wallOf = (instant: number, zone: string): number => {
      const p = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        })
          .formatToParts(new Date(instant))
          .map((x) => [x.type, Number(x.value)]),
      ) as Record<string, number>;
      return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    };
    const zonesToTry = [
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'America/St_Johns',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2030, 0, 1) / 60_000 }),
        fc.constantFrom(...zonesToTry),
        (minute, zone) => {
          const instant = minute * 60_000;
          const found = instantsOfLocalTime(wallOf(instant, zone), zone);
          expect(found).toContain(instant);
          expect(found.length).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 2000 },
    );
    // Every quarter hour of the days around 2016's transitions, so they are crossed (Lord Howe moves by 30 minutes).
    const transitions: Record<string, string[]> = {
      'America/New_York': ['2016-03-13', '2016-11-06'],
      'Australia/Lord_Howe': ['2016-04-03', '2016-10-02'],
    };
    for (const [zone, days] of Object.entries(transitions)) {
      let repeated = 0;
      for (const day of days) {
        const from = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
        for (let instant = from; instant < from + 3 * 86_400_000; instant += 900_000) {
          const found = instantsOfLocalTime(wallOf(instant, zone), zone);
          if (!found.includes(instant))
            throw new Error(`${zone} ${new Date(instant).toISOString()}: ${found}`);
          if (found.length === 2) repeated++;
        }
      }
      expect(repeated, zone).toBe(zone === 'America/New_York' ? 8 : 4);
    }
  });
});
