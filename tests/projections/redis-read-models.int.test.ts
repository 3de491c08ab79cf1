import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '../../infra/redis/index.ts';
import {
  type AnomalyFeedChanges,
  createAnomalyFeedProjection,
  feedKeys,
  readAnomalyFeed,
} from '../../projections/anomaly-feed/index.ts';
import {
  activeBuildingSummaryKeyspace,
  type BuildingSummaryTopic,
  createBuildingSummaryProjection,
  localDayOf,
  readBuildingSummary,
} from '../../projections/building-summary/index.ts';
import {
  type CurrentWeatherTopic,
  currentWeatherProjection,
  readBuildingWeather,
  readStationWeather,
} from '../../projections/current-weather/index.ts';
import {
  activeGenerationKey,
  redisGenerationPrefix,
  redisKeyspace,
} from '../../projections/generation-names.ts';
import type { ProjectionEvent, RedisKeyspace, RedisProjection } from '../../projections/projection.ts';
import {
  type CacheLookup,
  createToolResultCache,
  tagsToInvalidate,
} from '../../projections/tool-result-cache/index.ts';
import type { AnomalyDetected, SensorReading, TopicKey, WeatherObservation } from '../../schemas/index.ts';

const HOUR = 3_600_000;
const keyPrefix = `test:redis-read-models_${randomBytes(3).toString('hex')}:`;
let redis: Redis;

/** Generation 1 of a read model, the key space the projector would give it. */
const keyspaceOf = (name: string): RedisKeyspace => redisKeyspace(redisGenerationPrefix(name, 1));

/** Folds events into one batch's change set with the definition, as the projector does. */
function changesOf<K extends TopicKey, S>(
  p: RedisProjection<K, S>,
  events: readonly ProjectionEvent<K>[],
): S {
  return events.reduce((s, e) => p.evolve(s, e), p.initial());
}

/** Numbers events with offsets per partition, as a keyed topic would. */
function positioned<K extends TopicKey>(
  events: readonly { topic: K; partition: number; event: ProjectionEvent<K>['event'] }[],
  firstOffset = 0,
): ProjectionEvent<K>[] {
  const next = new Map<string, number>();
  return events.map(({ topic, partition, event }) => {
    const k = `${topic}/${partition}`;
    const offset = next.get(k) ?? firstOffset;
    next.set(k, offset + 1);
    return { topic, partition, offset: String(offset), event } as ProjectionEvent<K>;
  });
}

beforeAll(() => {
  redis = createRedis({ url: inject('endpoints').redisUrl, keyPrefix });
});

afterAll(async () => {
  // keyPrefix applies to commands, not to KEYS patterns, so the pattern carries it and DEL strips it.
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(keyPrefix.length)));
  expect(await redis.keys(`${keyPrefix}*`)).toEqual([]);
  await redis.quit();
});

describe('building summary on Redis', () => {
  const projection = createBuildingSummaryProjection();
  const keyspace = keyspaceOf(projection.name);
  const zone = 'America/New_York';
  const now = Date.now();
  const today = localDayOf(zone, now);
  const lastHour = Math.floor(now / HOUR) * HOUR;
  // Hourly readings from 30 h ago up to the last full hour: some end yesterday (local), some today.
  const hours = Array.from({ length: 31 }, (_, i) => lastHour - (30 - i) * HOUR);
  const meters = [
    { meterId: 'Ellie:e1', meterKind: 'electricity', unit: 'kWh', base: 100 },
    { meterId: 'Ellie:e2', meterKind: 'electricity', unit: 'kWh', base: 20 },
    { meterId: 'Ellie:cw', meterKind: 'chilled_water', unit: 'ton_h', base: 7 },
  ] as const;
  const reading = (m: (typeof meters)[number], at: number, value: number): SensorReading => ({
    eventId: randomUUID(),
    occurredAt: new Date(at),
    source: 'test',
    buildingId: 'Ellie',
    meterId: m.meterId,
    meterKind: m.meterKind,
    value,
    unit: m.unit,
  });
  const log = positioned<BuildingSummaryTopic>([
    {
      topic: 'buildings',
      partition: 1,
      event: {
        eventId: randomUUID(),
        occurredAt: new Date(now - 40 * HOUR),
        source: 'test',
        buildingId: 'Ellie',
        primaryUse: 'Office',
        timezone: zone,
        weatherStationId: 'KBOS',
      },
    },
    ...hours.flatMap((at, h) =>
      meters.map((m, i) => ({
        topic: 'sensorReadings' as const,
        partition: i,
        event: reading(m, at, m.base + h / 4),
      })),
    ),
  ]);
  const readingsOf = (events: readonly ProjectionEvent<BuildingSummaryTopic>[]) =>
    events.flatMap((e) => (e.topic === 'sensorReadings' ? [e.event] : []));
  const todayOf = (kind: string, readings: readonly SensorReading[]) =>
    readings.filter(
      (r) =>
        r.meterKind === kind &&
        r.occurredAt.getTime() - 1 >= today.start &&
        r.occurredAt.getTime() - 1 < today.end,
    );
  const todayTotal = (kind: string, readings: readonly SensorReading[]) =>
    todayOf(kind, readings).reduce((s, r) => s + r.value, 0);
  // In the first hour of the local day no hourly reading has ended today yet: a kind is listed only
  // once one has (the suite once failed between 00:00 and 01:00 in New York).
  const hasToday = (kind: string) => todayOf(kind, readingsOf(log)).length > 0;

  it('answers demand, today so far per kind and the last positions, unchanged by re-applying', async () => {
    const half = Math.floor(log.length / 2);
    await projection.apply(redis, keyspace, changesOf(projection, log.slice(half)));
    await projection.apply(redis, keyspace, changesOf(projection, log.slice(0, half)));
    const summary = await readBuildingSummary(redis, keyspace, 'Ellie', { now: new Date(now) });

    const last = hours.length - 1;
    expect(summary?.timezone).toBe(zone);
    expect(summary?.weatherStationId).toBe('KBOS');
    expect(summary?.demand?.meters.map((m) => [m.meterId, m.kwh, m.intervalMs, m.kw])).toEqual([
      ['Ellie:e1', 100 + last / 4, HOUR, 100 + last / 4],
      ['Ellie:e2', 20 + last / 4, HOUR, 20 + last / 4],
    ]);
    expect(summary?.demand?.kw).toBeCloseTo(120 + last / 2, 9);
    expect(summary?.demand?.asOf.getTime()).toBe(lastHour);
    expect(summary?.today.localDate).toBe(today.localDate);
    expect(summary?.today.timezoneAssumed).toBe(false);
    const readings = readingsOf(log);
    expect(summary?.today.byKind).toEqual(
      [
        {
          meterKind: 'chilled_water',
          unit: 'ton_h',
          total: expect.closeTo(todayTotal('chilled_water', readings), 6),
        },
        {
          meterKind: 'electricity',
          unit: 'kWh',
          total: expect.closeTo(todayTotal('electricity', readings), 6),
        },
      ].filter((k) => hasToday(k.meterKind)),
    );
    expect(summary?.lastApplied).toEqual([
      { topic: 'buildings', partition: 1, offset: '0' },
      { topic: 'sensorReadings', partition: 0, offset: String(last) },
      { topic: 'sensorReadings', partition: 1, offset: String(last) },
      { topic: 'sensorReadings', partition: 2, offset: String(last) },
    ]);

    await projection.apply(redis, keyspace, changesOf(projection, log));
    await projection.apply(redis, keyspace, changesOf(projection, log.slice(0, 10)));
    expect(await readBuildingSummary(redis, keyspace, 'Ellie', { now: new Date(now) })).toEqual(summary);
  });

  it('replaces a corrected reading once, ignores the superseded one re-applied, and expires old days', async () => {
    const before = await readBuildingSummary(redis, keyspace, 'Ellie', { now: new Date(now) });
    const original = log.find(
      (e) =>
        e.topic === 'sensorReadings' &&
        e.event.meterId === 'Ellie:e1' &&
        e.event.occurredAt.getTime() === lastHour,
    );
    if (original === undefined || original.topic !== 'sensorReadings')
      throw new Error('fixture lost its last reading');
    const correction: ProjectionEvent<BuildingSummaryTopic> = {
      ...original,
      offset: '1000',
      event: { ...original.event, eventId: randomUUID(), value: original.event.value + 50 },
    };
    await projection.apply(redis, keyspace, changesOf(projection, [correction]));
    await projection.apply(redis, keyspace, changesOf(projection, [correction, original]));
    const after = await readBuildingSummary(redis, keyspace, 'Ellie', { now: new Date(now) });
    const electricity = (s: typeof after) =>
      s?.today.byKind.find((k) => k.meterKind === 'electricity')?.total ??
      (hasToday('electricity') ? NaN : 0);
    expect(electricity(after) - electricity(before)).toBeCloseTo(lastHour - 1 >= today.start ? 50 : 0, 6);
    expect(after?.demand?.meters[0]?.kwh).toBe(original.event.value + 50);

    const utcDate = new Date(lastHour - 1).toISOString().slice(0, 10);
    const consumptionKey = keyspace.key('building', 'Ellie', 'consumption', utcDate);
    const pttl = await redis.pttl(consumptionKey);
    const expected = Date.parse(`${utcDate}T00:00:00Z`) + 3 * 86_400_000 - Date.now();
    expect(pttl).toBeGreaterThan(expected - 60_000);
    expect(pttl).toBeLessThanOrEqual(expected + 1_000);
    expect(await redis.pttl(keyspace.key('building', 'Ellie', 'contributions', utcDate))).toBeGreaterThan(
      expected - 60_000,
    );

    // A reading of a day past its retention leaves nothing behind.
    const old = positioned<BuildingSummaryTopic>([
      { topic: 'sensorReadings', partition: 0, event: reading(meters[0], Date.UTC(2015, 0, 1, 12), 5) },
    ]);
    await projection.apply(redis, keyspace, changesOf(projection, old));
    expect(await redis.exists(keyspace.key('building', 'Ellie', 'consumption', '2015-01-01'))).toBe(0);
  });

  it('knows nothing of an unseen building, and readers find the generation the pointer names', async () => {
    expect(await readBuildingSummary(redis, keyspace, 'Nobody')).toBeUndefined();
    expect(await activeBuildingSummaryKeyspace(redis)).toBeUndefined();
    await redis.set(activeGenerationKey(projection.name), '1');
    expect((await activeBuildingSummaryKeyspace(redis))?.prefix).toBe(keyspace.prefix);
  });
});

describe('anomaly feed on Redis', () => {
  const cap = 3;
  const projection = createAnomalyFeedProjection({ cap });
  const keyspace = keyspaceOf(projection.name);
  const start = Date.UTC(2026, 0, 5, 8);
  const anomaly = (buildingId: string, minute: number): AnomalyDetected => ({
    eventId: randomUUID(),
    occurredAt: new Date(start + minute * 60_000),
    source: 'anomaly-detector',
    buildingId,
    meterId: `${buildingId}:e`,
    meterKind: 'electricity',
    unit: 'kWh',
    readingAt: new Date(start + minute * 60_000),
    observedValue: 400 + minute,
    expectedLow: 80,
    expectedHigh: 120,
    score: 7.5,
    method: 'median-mad-hour-of-week',
    baselineSamples: 48,
  });
  const events = positioned<'anomalies'>([
    ...[0, 10, 20, 30, 40].map((m) => ({
      topic: 'anomalies' as const,
      partition: 0,
      event: anomaly('A', m),
    })),
    ...[5, 15].map((m) => ({ topic: 'anomalies' as const, partition: 1, event: anomaly('B', m) })),
  ]);
  const idsAt = (building: string | undefined, minutes: number[]) =>
    minutes.map(
      (m) =>
        events.find(
          (e) =>
            (building === undefined || e.event.buildingId === building) &&
            e.event.occurredAt.getTime() === start + m * 60_000,
        )?.event.eventId,
    );

  it('keeps the newest N per building and overall, whatever the batches and re-applications', async () => {
    const apply = (changes: AnomalyFeedChanges) => projection.apply(redis, keyspace, changes);
    await apply(changesOf(projection, events.slice(3)));
    await apply(changesOf(projection, events.slice(0, 3)));
    await apply(changesOf(projection, events));

    const a = await readAnomalyFeed(redis, keyspace, { buildingId: 'A' });
    expect(a.map((x) => x.eventId)).toEqual(idsAt('A', [40, 30, 20]));
    expect(a[0]?.occurredAt).toEqual(new Date(start + 40 * 60_000));
    expect(a[0]?.observedValue).toBe(440);
    expect((await readAnomalyFeed(redis, keyspace, { buildingId: 'B' })).map((x) => x.eventId)).toEqual(
      idsAt('B', [15, 5]),
    );
    expect((await readAnomalyFeed(redis, keyspace)).map((x) => x.eventId)).toEqual(
      idsAt(undefined, [40, 30, 20]),
    );
    expect((await readAnomalyFeed(redis, keyspace, { limit: 1 })).map((x) => x.eventId)).toEqual(
      idsAt(undefined, [40]),
    );
    // Details of trimmed anomalies go with them.
    expect(await redis.hlen(feedKeys(keyspace).details)).toBe(cap);
    expect(await redis.hlen(feedKeys(keyspace, 'A').details)).toBe(cap);
  });
});

describe('current weather on Redis', () => {
  const keyspace = keyspaceOf(currentWeatherProjection.name);
  const t0 = Date.UTC(2026, 0, 5, 9);
  const obs = (
    stationId: string,
    minute: number,
    fields: Partial<WeatherObservation>,
  ): WeatherObservation => ({
    eventId: randomUUID(),
    occurredAt: new Date(t0 + minute * 60_000),
    source: 'noaa-isd-importer',
    stationId,
    ...fields,
  });
  const building = (stationId: string | null) => ({
    topic: 'buildings' as const,
    partition: 2,
    event: {
      eventId: randomUUID(),
      occurredAt: new Date(t0),
      source: 'test',
      buildingId: 'Ellie',
      primaryUse: 'Office',
      timezone: 'America/New_York',
      weatherStationId: stationId,
    },
  });
  const log = positioned<CurrentWeatherTopic>([
    building('KBOS'),
    {
      topic: 'weatherObservations',
      partition: 0,
      event: obs('KBOS', 60, { temperatureC: 10, windSpeedKmh: 5, conditions: 'clear' }),
    },
    {
      topic: 'weatherObservations',
      partition: 0,
      event: obs('KBOS', 120, { temperatureC: null, windSpeedKmh: 7 }),
    },
    // Late: older than what is held, so it changes nothing.
    {
      topic: 'weatherObservations',
      partition: 0,
      event: obs('KBOS', 30, { temperatureC: 99, windSpeedKmh: 99 }),
    },
    { topic: 'weatherObservations', partition: 1, event: obs('KJFK', 45, { temperatureC: 3 }) },
    building('KJFK'),
  ]);

  it('keeps each measurement at its newest reported value and joins buildings at read time', async () => {
    const [first, ...rest] = log;
    await currentWeatherProjection.apply(
      redis,
      keyspace,
      changesOf(currentWeatherProjection, rest.slice(0, 2)),
    );
    await currentWeatherProjection.apply(
      redis,
      keyspace,
      changesOf(currentWeatherProjection, rest.slice(2, 3)),
    );
    await currentWeatherProjection.apply(
      redis,
      keyspace,
      changesOf(currentWeatherProjection, first ? [first] : []),
    );

    const kbos = await readStationWeather(redis, keyspace, 'KBOS');
    expect(kbos?.observedAt).toEqual(new Date(t0 + 120 * 60_000));
    expect(kbos?.values.temperatureC).toMatchObject({ value: 10, observedAt: new Date(t0 + 60 * 60_000) });
    expect(kbos?.values.windSpeedKmh).toMatchObject({ value: 7, observedAt: new Date(t0 + 120 * 60_000) });
    expect(kbos?.values.conditions?.value).toBe('clear');
    expect(kbos?.values.pressureHpa).toBeUndefined();
    expect((await readBuildingWeather(redis, keyspace, 'Ellie'))?.weather).toEqual(kbos);

    await currentWeatherProjection.apply(redis, keyspace, changesOf(currentWeatherProjection, log));
    expect(await readStationWeather(redis, keyspace, 'KBOS')).toEqual(kbos);
    const moved = await readBuildingWeather(redis, keyspace, 'Ellie');
    expect(moved?.stationId).toBe('KJFK');
    expect(moved?.weather?.values.temperatureC?.value).toBe(3);
    // The older registration re-applied does not move the building back.
    await currentWeatherProjection.apply(
      redis,
      keyspace,
      changesOf(currentWeatherProjection, first ? [first] : []),
    );
    expect((await readBuildingWeather(redis, keyspace, 'Ellie'))?.stationId).toBe('KJFK');
    expect(await readBuildingWeather(redis, keyspace, 'Unknown')).toBeUndefined();
    expect(await readStationWeather(redis, keyspace, 'NOPE')).toBeUndefined();
  });
});

describe('tool-result cache on Redis', () => {
  const lookups: CacheLookup[] = [];
  const cacheWith = (options: {
    ttlSeconds?: Record<string, number>;
    namespace: string;
    now?: () => number;
  }) => createToolResultCache({ redis, onLookup: (l) => lookups.push(l), ...options });
  const entryKeys = async (namespace: string, category: string) =>
    (await redis.keys(`${keyPrefix}${namespace}:entry:${category}:*`)).map((k) => k.slice(keyPrefix.length));

  it('stores with the category TTL (defaults and overrides) and reports misses and hits', async () => {
    const cache = cacheWith({ namespace: 'c1', ttlSeconds: { forecasts: 42 } });
    let computed = 0;
    const compute = async () => ({ kw: 120.5, computed: ++computed });
    const first = await cache.getOrCompute('sensors', 'get_latest_readings{"buildingId":"Ellie"}', compute);
    const second = await cache.getOrCompute('sensors', 'get_latest_readings{"buildingId":"Ellie"}', compute);
    expect(first).toMatchObject({ hit: false, value: { kw: 120.5, computed: 1 } });
    expect(second).toEqual({ hit: true, value: { kw: 120.5, computed: 1 }, cachedAt: first.cachedAt });
    expect(computed).toBe(1);
    expect(lookups.splice(0)).toEqual([
      { category: 'sensors', outcome: 'miss', stored: true },
      { category: 'sensors', outcome: 'hit' },
    ]);

    await cache.getOrCompute('weather', 'KBOS', async () => ({ t: 3 }));
    await cache.getOrCompute('forecasts', 'KBOS', async () => ({ t: 4 }));
    const ttl = async (category: string) => {
      const [key] = await entryKeys('c1', category);
      return key === undefined ? -2 : redis.pttl(key);
    };
    expect(await ttl('sensors')).toBeGreaterThan(290_000);
    expect(await ttl('sensors')).toBeLessThanOrEqual(300_000);
    expect(await ttl('weather')).toBeGreaterThan(3_590_000);
    expect(await ttl('weather')).toBeLessThanOrEqual(3_600_000);
    expect(await ttl('forecasts')).toBeGreaterThan(32_000);
    expect(await ttl('forecasts')).toBeLessThanOrEqual(42_000);
    await expect(cache.getOrCompute('unknown', 'k', compute)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    lookups.splice(0);
  });

  it('invalidates by the tags a batch of events names, and only those', async () => {
    const cache = cacheWith({ namespace: 'c2' });
    const sensorsOf = (b: string) =>
      cache.getOrCompute('sensors', `latest:${b}`, async () => ({ b, at: Math.random() }), {
        tags: [`building:${b}`],
      });
    const weatherOf = (b: string) =>
      cache.getOrCompute('weather', `weather:${b}`, async () => ({ b }), {
        tags: () => ['station:KBOS', `building-info:${b}`],
      });
    await sensorsOf('A');
    await sensorsOf('B');
    await weatherOf('A');
    const batch: ProjectionEvent<TopicKey>[] = [
      {
        topic: 'sensorReadings',
        partition: 0,
        offset: '9',
        event: {
          eventId: randomUUID(),
          occurredAt: new Date(),
          source: 't',
          buildingId: 'A',
          meterId: 'A:e',
          meterKind: 'electricity',
          value: 1,
          unit: 'kWh',
        },
      },
    ];
    expect(await cache.invalidateTags(tagsToInvalidate(batch))).toBe(1);
    lookups.splice(0);
    expect((await sensorsOf('A')).hit).toBe(false);
    expect((await sensorsOf('B')).hit).toBe(true);
    expect((await weatherOf('A')).hit).toBe(true);
    expect(await cache.invalidateTags(['station:KBOS'])).toBe(1);
    expect((await weatherOf('A')).hit).toBe(false);
    expect(lookups.map((l) => l.outcome)).toEqual(['miss', 'hit', 'hit', 'miss']);
    lookups.splice(0);
  });

  it('does not store an answer whose computation started before an invalidation of its tags', async () => {
    const cache = cacheWith({ namespace: 'c3' });
    const gate = () => {
      let open = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened };
    };
    const started = gate();
    const release = gate();
    const slow = cache.getOrCompute(
      'sensors',
      'latest:A',
      async () => {
        started.open();
        await release.opened;
        return { value: 'computed before the reading landed' };
      },
      { tags: ['building:A'] },
    );
    await started.opened;
    await cache.invalidateTags(['building:A']);
    release.open();
    expect((await slow).value).toEqual({ value: 'computed before the reading landed' });
    expect(lookups.splice(0)).toEqual([{ category: 'sensors', outcome: 'miss', stored: false }]);
    expect(await entryKeys('c3', 'sensors')).toEqual([]);

    // An invalidation of another tag during the computation does not hold the answer back.
    const started2 = gate();
    const release2 = gate();
    const other = cache.getOrCompute(
      'sensors',
      'latest:A',
      async () => {
        started2.open();
        await release2.opened;
        return { value: 'fresh' };
      },
      { tags: ['building:A'] },
    );
    await started2.opened;
    await cache.invalidateTags(['building:B']);
    release2.open();
    await other;
    expect(lookups.splice(0)).toEqual([{ category: 'sensors', outcome: 'miss', stored: true }]);
    expect((await cache.getOrCompute('sensors', 'latest:A', async () => ({ value: 'again' }))).value).toEqual(
      {
        value: 'fresh',
      },
    );
    lookups.splice(0);
  });

  it('does not store an answer that took longer than the invalidation memory', async () => {
    let clock = 1_000_000;
    const cache = createToolResultCache({ redis, namespace: 'c4', maxComputeMs: 5_000, now: () => clock });
    const result = await cache.getOrCompute('sensors', 'slow', async () => {
      clock += 6_000;
      return 1;
    });
    expect(result).toEqual({ value: 1, hit: false, cachedAt: new Date(1_006_000) });
    expect(await entryKeys('c4', 'sensors')).toEqual([]);
  });
});
