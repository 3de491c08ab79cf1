import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseFormat } from '../../app/commands/index.ts';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { readingAggregatesProcessor, weatherHourlyProcessor } from '../../processors/index.ts';
import {
  type AnyProjection,
  type BatchOutcome,
  projectionNamed,
  queryBuildings,
  queryConsumption,
} from '../../projections/index.ts';
import { HOUR_MS, type TopicKey } from '../../schemas/index.ts';
import {
  type Bdg1Building,
  IMPORT_DEAD_LETTER_HEADERS,
  IMPORT_FORMATS,
  type ImportKind,
  type ImportOptions,
  type ImportSummary,
  loadBdg1Buildings,
  runImport,
  writeSimulatedWideReadings,
} from '../../sources/index.ts';
import { DEAD_LETTER_HEADERS, headerText } from '../../stream-runtime/index.ts';
import { runToEnd } from '../support/processor-runs.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const DATA = fileURLToPath(new URL('../../sources/bdg1/data/', import.meta.url));
const META = join(DATA, 'meta_open.csv');
const WEATHER = ['weather1', 'weather2', 'weather10'] as const;
const weatherPath = (name: string): string => join(DATA, 'weather', `${name}.csv`);
const DAY_MS = 24 * HOUR_MS;
/** 20 buildings x 14 days of hourly electricity, from a UTC midnight (a US daylight-saving change inside). */
const SIM_FROM = Date.UTC(2015, 2, 1);
const SIM_DAYS = 14;

type Counts = Pick<ImportSummary, 'read' | 'produced' | 'cleaned' | 'deadLettered' | 'duplicates'>;
const countsOf = (s: ImportSummary): Counts => ({
  read: s.read,
  produced: s.produced,
  cleaned: s.cleaned,
  deadLettered: s.deadLettered,
  duplicates: s.duplicates,
});
const identity = (s: ImportSummary): void =>
  expect(s.read, `${s.file}: read = produced + cleaned + dead-lettered + duplicates`).toBe(
    s.produced + s.cleaned + s.deadLettered + s.duplicates,
  );

/**
 * Hourly mean temperature per UTC hour straight from a Weather Underground export's text, leaving out
 * the lines in `excluded`; also which hours held an excluded line (those are not compared).
 */
function hourlyMeansFromText(
  text: string,
  excluded: ReadonlySet<number>,
): { means: Map<number, number>; touched: Set<number>; hours: Set<number>; lastAt: number } {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').split(',');
  const dateAt = header.indexOf('DateUTC<br />');
  const tempAt = header.indexOf('TemperatureC');
  const sums = new Map<number, { sum: number; n: number }>();
  const touched = new Set<number>();
  const hours = new Set<number>();
  let lastAt = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const fields = line.split(',');
    const at = Date.parse(`${(fields[dateAt] ?? '').replace('<br />', '').replace(' ', 'T')}Z`);
    const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
    hours.add(hour);
    lastAt = Math.max(lastAt, at);
    // Physical line i + 1: the header is line 1.
    if (excluded.has(i + 1)) {
      touched.add(hour);
      continue;
    }
    const t = Number(fields[tempAt]);
    // Weather Underground writes `-9999` for "not reported"; empty and `-` are missing too.
    if ((fields[tempAt] ?? '').trim() === '' || !Number.isFinite(t) || t === -9999) continue;
    const s = sums.get(hour) ?? { sum: 0, n: 0 };
    s.sum += t;
    s.n += 1;
    sums.set(hour, s);
  }
  return { means: new Map([...sums].map(([h, s]) => [h, s.sum / s.n])), touched, hours, lastAt };
}

/** Per meter and UTC day, the sum and count of the non-empty cells of a wide file, from its text. */
function dailySumsFromText(text: string): Map<string, { sum: number; n: number }> {
  const [head = '', ...rows] = text.split('\n');
  const buildings = head.split(',').slice(1);
  const sums = new Map<string, { sum: number; n: number }>();
  for (const row of rows) {
    if (row === '') continue;
    const [stamp = '', ...cells] = row.split(',');
    const day = Math.floor(Date.parse(stamp.replace(' ', 'T')) / DAY_MS) * DAY_MS;
    cells.forEach((cell, i) => {
      if (cell.trim() === '') return;
      const key = `${buildings[i]}|${day}`;
      const s = sums.get(key) ?? { sum: 0, n: 0 };
      s.sum += Number(cell);
      s.n += 1;
      sums.set(key, s);
    });
  }
  return sums;
}

describe('eaio import of the real BDG1 files, through the processors into the read models', () => {
  let platform: TestPlatform;
  let dir: string;
  let buildings: Bdg1Building[];
  let simPath: string;
  let projector: RunningProjector | undefined;
  const outcomes = new Map<string, bigint>();
  const first = new Map<string, ImportSummary>();

  const options = (path: string, extra: Partial<ImportOptions> = {}): ImportOptions => {
    const ofBuilding = new Map(buildings.map((b) => [b.buildingId, b.timezone]));
    const ofStation = new Map<string, string>();
    for (const b of buildings)
      if (b.weatherStationId && !ofStation.has(b.weatherStationId))
        ofStation.set(b.weatherStationId, b.timezone);
    return {
      fileName: basename(path),
      timezoneOf: (id) => ofBuilding.get(id),
      timezoneOfStation: (id) => ofStation.get(id),
      registeredAt: new Date(Date.UTC(2016, 0, 1)),
      ...extra,
    };
  };
  /** An import as `eaio import <kind> <file>` runs it: the format the CLI picks by header, or the one named. */
  const importAs = async (
    kind: ImportKind,
    path: string,
    extra: Partial<ImportOptions> = {},
    format?: string,
  ): Promise<ImportSummary> =>
    runImport(
      { kafka: platform.kafka, codec: platform.codec, names: platform.names, logger: platform.logger },
      {
        path,
        factory: await chooseFormat(IMPORT_FORMATS, kind, path, format),
        options: options(path, extra),
      },
    );
  const count = async (topic: string): Promise<number> =>
    (await readTopicToEnd(platform.kafka, topic)).length;
  const IMPORTED: readonly TopicKey[] = ['buildings', 'meters', 'weatherObservations', 'sensorReadings'];
  const countAll = async (): Promise<Record<string, number>> => {
    const all: Record<string, number> = {};
    for (const key of IMPORTED) {
      all[key] = await count(platform.names.topic(key));
      all[`dlq:${key}`] = await count(platform.names.deadLetter(key));
    }
    return all;
  };
  const IMPORTS: readonly { kind: ImportKind; path: () => string; extra: Partial<ImportOptions> }[] = [
    { kind: 'buildings', path: () => META, extra: {} },
    ...WEATHER.map((w) => ({ kind: 'weather' as const, path: () => weatherPath(w), extra: {} })),
    { kind: 'readings', path: () => simPath, extra: { timestamps: 'utc' } },
  ];

  beforeAll(async () => {
    platform = await createTestPlatform('import_real');
    dir = await mkdtemp(join(tmpdir(), 'eaio-import-real-'));
    buildings = await loadBdg1Buildings();
    const served = buildings.filter((b) =>
      ['bdg1-weather1', 'bdg1-weather2', 'bdg1-weather10'].includes(b.weatherStationId ?? ''),
    );
    // 8 + 8 + 4 real buildings of the three stations (weather10 serves only five), so several zones.
    const take = { 'bdg1-weather1': 8, 'bdg1-weather2': 8, 'bdg1-weather10': 4 } as const;
    const pick = Object.entries(take).flatMap(([s, n]) =>
      served.filter((b) => b.weatherStationId === s).slice(0, n),
    );
    expect(pick).toHaveLength(20);
    simPath = join(dir, 'electricity.csv');
    await writeSimulatedWideReadings({
      path: simPath,
      buildings: pick,
      meterKind: 'electricity',
      from: new Date(SIM_FROM),
      hours: SIM_DAYS * 24,
      seed: 'e2e-real',
      timestamps: 'utc',
      layout: 'bdg1',
      emptyBefore: 'staggered',
      gapRate: 0.02,
    });
    for (const { kind, path, extra } of IMPORTS) {
      const summary = await importAs(kind, path(), extra);
      first.set(basename(path()), summary);
    }
  }, 120_000);

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('accounts for every row of every file exactly, with the real files’ known figures', async () => {
    for (const s of first.values()) identity(s);
    expect(countsOf(first.get('meta_open.csv') as ImportSummary)).toEqual({
      read: 507,
      produced: 507,
      cleaned: 0,
      deadLettered: 0,
      duplicates: 0,
    });
    const w1 = first.get('weather1.csv') as ImportSummary;
    expect(countsOf(w1)).toEqual({
      read: 17_498,
      produced: 17_493,
      cleaned: 5,
      deadLettered: 0,
      duplicates: 0,
    });
    expect(w1.cleanedByRule).toEqual({ 'out of range': 3, 'repeated row': 2 });
    const w2 = first.get('weather2.csv') as ImportSummary;
    expect(countsOf(w2)).toEqual({
      read: 10_914,
      produced: 10_913,
      cleaned: 1,
      deadLettered: 0,
      duplicates: 0,
    });
    expect(w2.cleanedByRule).toEqual({ 'repeated row': 1 });
    const w10 = first.get('weather10.csv') as ImportSummary;
    expect(countsOf(w10)).toEqual({
      read: 7_510,
      produced: 7_507,
      cleaned: 3,
      deadLettered: 0,
      duplicates: 0,
    });
    expect(w10.cleanedByRule).toEqual({ 'out of range': 2, step: 1 });
    // The simulated file: one unit per cell; empty cells are cleaned as `no reading`, nothing refused.
    const text = await readFile(simPath, 'utf8');
    const cells = text
      .trim()
      .split('\n')
      .slice(1)
      .flatMap((row) => row.split(',').slice(1));
    const sim = first.get('electricity.csv') as ImportSummary;
    expect(cells).toHaveLength(20 * SIM_DAYS * 24);
    expect(countsOf(sim)).toEqual({
      read: cells.length,
      produced: cells.filter((c) => c !== '').length,
      cleaned: cells.filter((c) => c === '').length,
      deadLettered: 0,
      duplicates: 0,
    });
    expect(sim.cleaned).toBeGreaterThan(0);
    expect(sim.registrations).toBe(20);
  });

  it('a second import of each file ending in a line end produces nothing and counts every unit a duplicate', async () => {
    const before = await countAll();
    for (const { kind, path, extra } of IMPORTS.slice(1)) {
      const again = await importAs(kind, path(), extra);
      identity(again);
      const { read } = first.get(basename(path())) as ImportSummary;
      expect(countsOf(again)).toEqual({ read, produced: 0, cleaned: 0, deadLettered: 0, duplicates: read });
      expect(again.events).toBe(0);
    }
    expect(await countAll()).toEqual(before);
  }, 60_000);

  it('counts the unfinished last line of meta_open.csv a duplicate on a re-import, producing nothing', async () => {
    // The real file ends without a line end: the checkpoint records that line beside the prefix, so an
    // unchanged file is all duplicates, while a writer finishing the line would get it produced.
    expect((await readFile(META)).at(-1)).not.toBe(0x0a);
    const topic = platform.names.topic('buildings');
    const before = await readTopicToEnd(platform.kafka, topic);
    const again = await importAs('buildings', META);
    identity(again);
    expect(countsOf(again)).toEqual({ read: 507, produced: 0, cleaned: 0, deadLettered: 0, duplicates: 507 });
    expect(await readTopicToEnd(platform.kafka, topic)).toHaveLength(before.length);
  }, 60_000);

  /** Resolves when the projector has handled every data message now on `topic`. */
  const projectedThrough = async (key: TopicKey): Promise<void> => {
    const topic = platform.names.topic(key);
    const ends = new Map<number, bigint>();
    for (const { partition, message } of await readTopicToEnd(platform.kafka, topic))
      ends.set(partition, BigInt(message.offset));
    await waitFor(
      `projector through ${topic}`,
      async () =>
        [...ends].every(([p, end]) => (outcomes.get(`${topic}/${p}`) ?? -1n) >= end) ? true : undefined,
      { timeoutMs: 60_000 },
    );
  };

  it('the processors and the projector bring buildings, hourly weather and daily sums equal to the files', async () => {
    await runToEnd(platform, weatherHourlyProcessor);
    await runToEnd(platform, readingAggregatesProcessor);
    const projections = ['buildings', 'weather', 'rollups'].map(
      (name) => projectionNamed(name) as AnyProjection,
    );
    projector = await runProjector(platform, {
      projections,
      onOutcome: (o: BatchOutcome) => {
        const id = `${o.topic}/${o.partition}`;
        const last = BigInt(o.lastOffset);
        if (last > (outcomes.get(id) ?? -1n)) outcomes.set(id, last);
      },
    });
    await projectedThrough('buildings');
    await projectedThrough('weatherHourly');
    await projectedThrough('readingAggregates');

    // Buildings: every one of meta_open.csv, with its zone.
    const zones = new Map<string, string>();
    for (let after: string | undefined; ; ) {
      const page = await queryBuildings(platform.pool, {
        limit: 200,
        ...(after ? { afterBuildingId: after } : {}),
      });
      for (const b of page.buildings) zones.set(b.buildingId, b.timezone);
      after = page.buildings.at(-1)?.buildingId;
      if (!page.hasMore || after === undefined) break;
    }
    expect(zones.size).toBe(507);
    expect(zones).toEqual(new Map(buildings.map((b) => [b.buildingId, b.timezone])));

    // Hourly weather: the mean of each UTC hour's temperatures as the file's text gives them.
    for (const station of WEATHER) {
      const path = weatherPath(station);
      const excluded = await excludedLines(path);
      const summary = first.get(`${station}.csv`) as ImportSummary;
      expect(excluded.size).toBe(summary.cleaned + summary.deadLettered);
      const { means, touched, hours, lastAt } = hourlyMeansFromText(await readFile(path, 'utf8'), excluded);
      const { rows } = await platform.pool.query<{ hour_start: Date; temperature_c: number | null }>(
        'SELECT hour_start, temperature_c FROM weather_hourly WHERE station_id = $1 ORDER BY hour_start',
        [`bdg1-${station}`],
      );
      // Every hour of the file the processor closed: its end plus the hour of lateness reached by the
      // station's last observation (the last one or two hours stay open, as the input never ends).
      const closed = [...hours].filter((h) => h + 2 * HOUR_MS <= lastAt).sort((x, y) => x - y);
      expect(closed.length).toBeGreaterThan(hours.size - 3);
      expect(rows.map((r) => r.hour_start.getTime())).toEqual(closed);
      let compared = 0;
      for (const row of rows) {
        const hour = row.hour_start.getTime();
        if (touched.has(hour)) continue;
        const expected = means.get(hour);
        if (expected === undefined)
          expect(row.temperature_c, `${station} ${row.hour_start.toISOString()}`).toBeNull();
        else expect(row.temperature_c, `${station} ${row.hour_start.toISOString()}`).toBeCloseTo(expected, 9);
        compared++;
      }
      expect(compared).toBeGreaterThan(rows.length - 10);
    }

    // Daily sums per meter: every closed day (all but the last) equals the cells of that UTC day.
    const expectedDays = dailySumsFromText(await readFile(simPath, 'utf8'));
    const meters = new Set([...expectedDays.keys()].map((k) => k.split('|')[0] as string));
    let days = 0;
    for (const buildingId of meters) {
      const got = await queryConsumption(platform.pool, {
        buildingId,
        meterKind: 'electricity',
        bucket: '1d',
        from: new Date(SIM_FROM),
        to: new Date(SIM_FROM + SIM_DAYS * DAY_MS),
      });
      const want = [...expectedDays]
        .filter(([k]) => k.startsWith(`${buildingId}|`))
        .map(([k, s]) => ({ day: Number(k.split('|')[1]), ...s }))
        .filter((d) => d.day < SIM_FROM + (SIM_DAYS - 1) * DAY_MS)
        .sort((a, b) => a.day - b.day);
      expect(got.map((b) => b.start.getTime())).toEqual(want.map((d) => d.day));
      got.forEach((b, i) => {
        expect(b.readings).toBe(want[i]?.n);
        expect(b.total).toBeCloseTo(want[i]?.sum ?? Number.NaN, 6);
      });
      days += got.length;
    }
    expect(days).toBeGreaterThan(200);
  }, 120_000);

  /** Lines of a weather file its format cleans or refuses (no line is read twice: the format is pure). */
  async function excludedLines(path: string): Promise<Set<number>> {
    const factory = await chooseFormat(IMPORT_FORMATS, 'weather', path, undefined);
    const format = factory.create(options(path));
    const lines = (await readFile(path, 'utf8')).split('\n');
    const out = new Set<number>();
    const note = (results: ReturnType<typeof format.record>): void => {
      for (const r of results) if (r.units.some((u) => u.kind !== 'produced')) out.add(r.record.line);
    };
    format.start({ line: 1, fields: (lines[0] ?? '').split(','), text: lines[0] ?? '' });
    for (let i = 1; i < lines.length; i++) {
      const text = lines[i] ?? '';
      if (text !== '') note(format.record({ line: i + 1, fields: text.split(','), text }));
    }
    note(format.end());
    return out;
  }

  it('malformed files: a wrong header fails naming the column; bad rows are dead letters with line and reason', async () => {
    const wrongWeather = join(dir, 'weather7.csv');
    await writeFile(wrongWeather, 'timestamp,TemperatureC,When\n2015-01-01 00:00:00,3.0,x\n');
    await expect(importAs('weather', wrongWeather, {}, 'bdg1-weather')).rejects.toThrow(/DateUTC/);
    const wrongWide = join(dir, 'electricity-bad-header.csv');
    await writeFile(wrongWide, 'time,Office_Abbey\n2015-01-01 00:00:00+00:00,1\n');
    await expect(importAs('readings', wrongWide, {}, 'readings-wide')).rejects.toThrow(/'timestamp'/);

    const b = 'Office_Abbey';
    const bad = join(dir, 'electricity_utc_bad.csv');
    await writeFile(
      bad,
      Buffer.concat([
        Buffer.from(`timestamp,${b}\n2015-01-01 00:00:00+00:00,1.5\n`), // line 2: produced
        Buffer.from('2015-01-01 01:00:00+00:00,"1,234.5"\n'), // line 3: thousands separator
        Buffer.from('2015-02-30 00:00:00+00:00,2\n'), // line 4: impossible date
        Buffer.from([...Buffer.from('2015-01-01 02:00:00+00:00,'), 0xff, 0x0a]), // line 5: not UTF-8
        Buffer.from(`2015-01-01 03:00:00+00:00,"${'9'.repeat(1_048_576)}"\n`), // line 6: 1 MB field
        Buffer.from('2015-01-01 04:00:00+00:00,1e'), // line 7: truncated last line
      ]),
    );
    const letters = platform.names.deadLetter('sensorReadings');
    const summary = await importAs('readings', bad, { meterKind: 'electricity', timestamps: 'utc' });
    identity(summary);
    expect(countsOf(summary)).toEqual({ read: 6, produced: 1, cleaned: 0, deadLettered: 5, duplicates: 0 });
    // This file's letters, by their source header: a position count would include other files' letters,
    // and right after a commit the transaction markers (and so what a read-committed reader sees) may lag.
    const source = `file:${basename(bad)}`;
    const mine = await waitFor('the five dead letters of the file', async () => {
      const found = (await readTopicToEnd(platform.kafka, letters)).filter(
        ({ message }) => headerText(message.headers, DEAD_LETTER_HEADERS.sourceTopic) === source,
      );
      return found.length >= 5 ? found : undefined;
    });
    const got = mine.map(({ message }) => ({
      line: headerText(message.headers, IMPORT_DEAD_LETTER_HEADERS.line),
      reason: headerText(message.headers, IMPORT_DEAD_LETTER_HEADERS.reason),
      source: headerText(message.headers, DEAD_LETTER_HEADERS.sourceTopic),
    }));
    expect(got).toEqual([
      { line: '3', reason: 'thousands separator', source: `file:${basename(bad)}` },
      { line: '4', reason: 'invalid timestamp', source: `file:${basename(bad)}` },
      { line: '5', reason: 'invalid UTF-8', source: `file:${basename(bad)}` },
      { line: '6', reason: 'record too large', source: `file:${basename(bad)}` },
      { line: '7', reason: 'truncated last line', source: `file:${basename(bad)}` },
    ]);
  }, 60_000);
});
