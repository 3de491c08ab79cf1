import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { createQueryLayer, type QueryLayer } from '../../projections/query-layer/index.ts';
import {
  anomalyAt,
  BUILDINGS,
  commandLifecycle,
  DAY,
  datasetReadings,
  expectedEui,
  firstTwoDays,
  HOUR,
  issueAt,
  produce,
  type RunningDataSet,
  START,
  startDataSet,
  weatherHours,
} from '../support/query-data-set.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

describe('query layer over the projections', () => {
  let platform: TestPlatform;
  let dataSet: RunningDataSet;
  let queries: QueryLayer;
  const readings = datasetReadings();
  const twoDays = firstTwoDays(readings);

  beforeAll(async () => {
    platform = await createTestPlatform('queries');
    dataSet = await startDataSet(platform, readings);
    queries = createQueryLayer({ pool: platform.pool, redis: platform.redis });
  }, 180_000);

  afterAll(async () => {
    await dataSet?.stop();
    await platform?.dispose();
  });

  it('sums consumption per hour and per day exactly as the readings add up, per meter kind and unit', async () => {
    const hourly = await queries.consumption({
      buildingId: 'Office_B',
      from: new Date(START),
      to: new Date(START + DAY),
      bucket: '1h',
    });
    const expected = new Map<number, number>();
    for (const r of twoDays.filter(
      (r) => r.buildingId === 'Office_B' && r.occurredAt.getTime() < START + DAY,
    )) {
      expected.set(r.occurredAt.getTime(), (expected.get(r.occurredAt.getTime()) ?? 0) + r.value);
    }
    expect(hourly.data.map((b) => [b.start.getTime(), b.total, b.meters, b.unit])).toEqual(
      [...expected].map(([t, total]) => [t, total, 2, 'kWh']),
    );
    const daily = await queries.consumption({
      buildingId: 'Office_B',
      meterId: 'Office_B:e1',
      from: new Date(START),
      to: new Date(START + 2 * DAY),
      bucket: '1d',
    });
    const e1 = twoDays.filter((r) => r.meterId === 'Office_B:e1');
    expect(daily.data.map((b) => b.total)).toEqual(
      [0, 1].map((d) =>
        e1
          .filter((r) => Math.floor((r.occurredAt.getTime() - START) / DAY) === d)
          .reduce((s, r) => s + r.value, 0),
      ),
    );
    expect(daily.data.map((b) => b.readings)).toEqual([24, 24]);
    expect(daily.dataUntil).toEqual(new Date(START + 2 * DAY));
  });

  it('aggregates the stored readings per meter and bucket in readings_15m/1h/1d, equal to the rollups of final windows', async () => {
    for (const view of ['1h', '1d'] as const) {
      const { rows } = await platform.pool.query<{ a: number; b: number; n: string }>(
        `SELECT r.sum AS a, b.sum AS b, b.count AS n FROM readings_${view} b
           JOIN rollups_${view} r ON r.meter_id = b.meter_id AND r.window_start = b.window_start
          WHERE b.window_start < $1`,
        [new Date(START + 2 * DAY)],
      );
      expect(rows.length).toBe(BUILDINGS.length * 2 * (view === '1h' ? 48 : 2));
      for (const row of rows) expect(row.b).toBe(row.a);
    }
  });

  it('says which generation and offsets an answer reflects', async () => {
    const answer = await queries.consumption({
      buildingId: 'Office_A',
      from: new Date(START),
      to: new Date(START + DAY),
      bucket: '1d',
    });
    const [provenance] = answer.provenance;
    expect(provenance?.projection).toBe('rollups');
    expect(provenance?.generation).toBe(1);
    expect(provenance?.offsets.length).toBeGreaterThan(0);
    expect(provenance?.offsets.every((o) => o.topic === platform.names.topic('readingAggregates'))).toBe(
      true,
    );
    expect(provenance?.lastAppliedAt).toBeInstanceOf(Date);
  });

  it('benchmarks energy use intensity against the buildings of the same primary use', async () => {
    const range = { from: new Date(START), to: new Date(START + 2 * DAY) };
    const answer = await queries.benchmark({ buildingId: 'Office_C', ...range });
    const eui = (id: string) => expectedEui(twoDays, id);
    const offices = BUILDINGS.filter((b) => b.primaryUse === 'Office').map((b) => eui(b.buildingId));
    const mine = eui('Office_C');
    expect(answer.data?.peers.count).toBe(4);
    expect(answer.data?.daysWithData).toBe(2);
    expect(answer.data?.eui).toBeCloseTo(mine, 6);
    const lower = offices.filter((x) => x < mine).length;
    expect(answer.data?.percentile).toBeCloseTo((100 * lower) / (offices.length - 1), 6);
    const sorted = [...offices].sort((a, b) => a - b);
    expect(answer.data?.peers.median).toBeCloseTo(((sorted[1] ?? 0) + (sorted[2] ?? 0)) / 2, 6);
    expect((await queries.benchmark({ buildingId: 'Nowhere', ...range })).data).toBeUndefined();
  });

  it('lists anomalies newest first, filtered by score, and reports data quality against the readings delivered', async () => {
    await produce(
      platform,
      'anomalies',
      [anomalyAt(3, 4.5), anomalyAt(7, 9.1), anomalyAt(5, 12)],
      (a) => a.meterId,
    );
    await produce(
      platform,
      'dataQualityIssues',
      [issueAt(1, 'spike'), issueAt(2, 'spike'), issueAt(9, 'gap')],
      (i) => i.meterId,
    );

    const anomalies = await waitFor('three anomalies', async () => {
      const a = await queries.anomalies({ buildingId: 'Office_A' });
      return a.data.length === 3 ? a : undefined;
    });
    expect(anomalies.data.map((a) => a.score)).toEqual([9.1, 12, 4.5]);
    expect(
      (await queries.anomalies({ buildingId: 'Office_A', minScore: 9 })).data.map((a) => a.score),
    ).toEqual([9.1, 12]);

    const report = await waitFor('three issues', async () => {
      const r = await queries.dataQuality({
        buildingId: 'Office_A',
        from: new Date(START),
        to: new Date(START + 2 * DAY),
      });
      return r.data.totalIssues === 3 ? r : undefined;
    });
    expect(report.data.byKind.map((k) => [k.issueKind, k.count])).toEqual([
      ['gap', 1],
      ['spike', 2],
    ]);
    expect(report.data.readingsPerMeter).toEqual([
      { meterId: 'Office_A:e0', readings: 48 },
      { meterId: 'Office_A:e1', readings: 48 },
    ]);
  });

  it("follows a command from request to the device's answer", async () => {
    const commandId = randomUUID();
    const { key, requested, decided, outcome } = commandLifecycle(commandId);
    await produce(platform, 'controlCommands', [requested], () => key);
    await produce(platform, 'controlDecisions', [decided], () => key);
    await produce(platform, 'controlOutcomes', [outcome], () => key);
    const status = await waitFor('three statuses', async () => {
      const s = await queries.commandStatus(commandId);
      return s.data?.history.length === 3 ? s : undefined;
    });
    expect(status.data?.status).toBe('acknowledged');
    expect(status.data?.requestedBy).toBe('agent:test');
    expect(status.data?.history.map((h) => h.status)).toEqual(['requested', 'accepted', 'acknowledged']);
    expect((await queries.commandStatus(randomUUID())).data).toBeUndefined();
  });

  it('separates the weather-driven part of consumption with a degree-hour model', async () => {
    await produce(platform, 'weatherHourly', weatherHours(), (w) => w.stationId);
    const range = { from: new Date(START), to: new Date(START + 2 * DAY) };
    const answer = await waitFor('48 weather hours', async () => {
      const a = await queries
        .weatherNormalised({ buildingId: 'Office_A', ...range, sampleBy: 'hour' })
        .catch(() => undefined);
      return a?.data?.hours === 48 ? a : undefined;
    });
    const result = answer.data;
    // Office_A's two meters read 10 + h and 11 + h in hour h of the day: 21 + 2·HDD.
    expect(result?.model.base).toBeCloseTo(21, 9);
    expect(result?.model.heatingSlope).toBeCloseTo(2, 9);
    expect(result?.model.coolingSlope).toBe(0);
    expect(result?.model.r2).toBeCloseTo(1, 9);
    const actual = twoDays.filter((r) => r.buildingId === 'Office_A').reduce((s, r) => s + r.value, 0);
    expect(result?.actual).toBe(actual);
    expect(result?.predicted).toBeCloseTo(actual, 6);
    expect(result?.normalised).toBeCloseTo(21 * 48, 6);
    expect(answer.provenance.map((p) => p.projection)).toEqual(['rollups', 'weather', 'buildings']);
    // Daily samples: only two days, too few to fit three parameters, and the answer says so.
    await expect(queries.weatherNormalised({ buildingId: 'Office_A', ...range })).rejects.toThrow(
      /only 2 day\(s\).*widen the range/,
    );
    await expect(queries.weatherNormalised({ buildingId: 'Office_B', ...range })).rejects.toThrow(
      /has no weather station/,
    );
  });

  it('refuses an empty range and too many buckets with a message that says what to do', async () => {
    const empty = queries.consumption({
      buildingId: 'Office_A',
      from: new Date(START),
      to: new Date(START),
      bucket: '1h',
    });
    await expect(empty).rejects.toBeInstanceOf(EaioError);
    await expect(empty).rejects.toThrow(/range is empty/);
    await expect(
      queries.consumption({
        buildingId: 'Office_A',
        from: new Date(START),
        to: new Date(START + 60 * DAY),
        bucket: '15m',
      }),
    ).rejects.toThrow(/narrow the range or use bucket '1h'/);
  });

  // Runs after the anomaly, data-quality and weather tests above: it reads what they produced.
  it('answers asOf from only the events with event time up to then: rollup buckets that ended by it, events at or before it', async () => {
    const twoDaysRange = { from: new Date(START), to: new Date(START + 2 * DAY) };
    /** The events an answer as of `t` may reflect, computed from the produced readings, not the read models. */
    const upTo = (t: number) => twoDays.filter((r) => r.occurredAt.getTime() <= t);

    // Mid-hour on day two: the hour then still open (29:00-30:00) is left out whole.
    const asOf = START + DAY + 5.5 * HOUR;
    const hourly = await queries.consumption({
      buildingId: 'Office_B',
      ...twoDaysRange,
      bucket: '1h',
      asOf: new Date(asOf),
    });
    const expected = new Map<number, number>();
    for (const r of upTo(asOf).filter((r) => r.buildingId === 'Office_B')) {
      const start = r.occurredAt.getTime() - (r.occurredAt.getTime() % HOUR);
      if (start + HOUR <= asOf) expected.set(start, (expected.get(start) ?? 0) + r.value);
    }
    expect(expected.size).toBe(29);
    expect(hourly.data.map((b) => [b.start.getTime(), b.total])).toEqual([...expected]);
    expect(hourly.asOf).toEqual(new Date(asOf));
    expect(hourly.dataUntil?.getTime()).toBe(START + DAY + 5 * HOUR);
    expect(hourly.dataUntil?.getTime()).toBeLessThanOrEqual(asOf);
    // Daily: day two has not ended by asOf, so only day one counts.
    const daily = await queries.consumption({
      buildingId: 'Office_B',
      ...twoDaysRange,
      bucket: '1d',
      asOf: new Date(asOf),
    });
    expect(daily.data.map((b) => b.total)).toEqual([
      upTo(START + DAY - 1)
        .filter((r) => r.buildingId === 'Office_B')
        .reduce((s, r) => s + r.value, 0),
    ]);

    // Peers are ranked on the same days: each building's first day only, annualised over one day.
    const benchmark = await queries.benchmark({
      buildingId: 'Office_C',
      ...twoDaysRange,
      asOf: new Date(asOf),
    });
    const dayOne = upTo(START + DAY - 1);
    const euiOf = (id: string) =>
      (dayOne.filter((r) => r.buildingId === id).reduce((s, r) => s + r.value, 0) /
        (BUILDINGS.find((b) => b.buildingId === id)?.floorAreaM2 ?? Number.NaN)) *
      365;
    expect(benchmark.data?.daysWithData).toBe(1);
    expect(benchmark.data?.eui).toBeCloseTo(euiOf('Office_C'), 6);
    const offices = BUILDINGS.filter((b) => b.primaryUse === 'Office').map((b) => euiOf(b.buildingId));
    expect(benchmark.data?.percentile).toBeCloseTo(
      (100 * offices.filter((x) => x < euiOf('Office_C')).length) / (offices.length - 1),
      6,
    );

    // Weather model over the first day (its hours ended by START + DAY).
    const weather = await queries.weatherNormalised({
      buildingId: 'Office_A',
      ...twoDaysRange,
      sampleBy: 'hour',
      asOf: new Date(START + DAY),
    });
    expect(weather.data?.hours).toBe(24);
    expect(weather.data?.actual).toBe(
      upTo(START + DAY - 1)
        .filter((r) => r.buildingId === 'Office_A')
        .reduce((s, r) => s + r.value, 0),
    );

    // Events by their own event time: anomalies at hours 3, 5 and 7 and issues at 1, 2 and 9 were produced.
    const early = START + 5.5 * HOUR;
    const anomalies = await queries.anomalies({ buildingId: 'Office_A', asOf: new Date(early) });
    expect(anomalies.data.map((a) => a.score)).toEqual([12, 4.5]);
    expect(anomalies.dataUntil).toEqual(new Date(START + 5 * HOUR));
    expect(anomalies.asOf).toEqual(new Date(early));
    const report = await queries.dataQuality({
      buildingId: 'Office_A',
      ...twoDaysRange,
      asOf: new Date(early),
    });
    expect(report.data.byKind.map((k) => [k.issueKind, k.count])).toEqual([['spike', 2]]);
    const perMeter = new Map<string, number>();
    for (const r of upTo(early).filter((r) => r.buildingId === 'Office_A'))
      perMeter.set(r.meterId, (perMeter.get(r.meterId) ?? 0) + 1);
    expect(report.data.readingsPerMeter).toEqual(
      [...perMeter].map(([meterId, readings]) => ({ meterId, readings })),
    );
    expect(report.dataUntil?.getTime()).toBeLessThanOrEqual(early);

    // An asOf at or after every event answers as without one (but says it applied).
    const all = await queries.consumption({ buildingId: 'Office_B', ...twoDaysRange, bucket: '1h' });
    const late = await queries.consumption({
      buildingId: 'Office_B',
      ...twoDaysRange,
      bucket: '1h',
      asOf: new Date(START + 3 * DAY),
    });
    expect(late.data).toEqual(all.data);
    expect(all.asOf).toBeUndefined();
  });
});
