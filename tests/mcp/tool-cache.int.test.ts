import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../infra/logging/index.ts';
import { createMetrics, METRIC_NAMES } from '../../infra/metrics/index.ts';
import { createRedis } from '../../infra/redis/index.ts';
import {
  type AnswerMeta,
  createMcpServerFactory,
  type McpReads,
  principal,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  TOOL_NAMES,
} from '../../mcp-adapter/index.ts';
import {
  type Answer,
  createToolResultCache,
  type ProjectionEvent,
  type Provenance,
  type ToolResultCache,
  tagsToInvalidate,
} from '../../projections/index.ts';
import type { TopicKey } from '../../schemas/index.ts';

// The tool-result cache on the real Redis, behind the registration; only the query layer (the tools'
// seam) is hand-written, counting what the tools asked of it.

const redisUrl = inject('endpoints').redisUrl;
const PREFIX = `test:toolcache_${randomBytes(3).toString('hex')}:`;

const PROVENANCE: Provenance[] = [
  {
    projection: 'rollups',
    generation: 1,
    offsets: [{ topic: 't.reading-aggregates', partition: 0, nextOffset: '7' }],
    lastAppliedAt: new Date('2016-03-02T00:00:00Z'),
  },
];
const RANGE = { from: '2016-03-01T00:00:00Z', to: '2016-03-02T00:00:00Z' };
const DATA_UNTIL = new Date('2016-03-01T23:00:00Z');

/** The query layer of Office_A; counts each query and can be told to answer stale. */
function countingReads() {
  const asked = { latestReadings: 0, consumption: 0, weatherNormalised: 0, buildingDetail: 0, buildings: 0 };
  let stale = false;
  const answer = <T>(data: T): Answer<T> =>
    stale
      ? {
          data,
          provenance: PROVENANCE,
          dataUntil: DATA_UNTIL,
          stale: true,
          staleSince: new Date('2016-03-02T00:00:00Z'),
          ageMs: 60_000,
          reason: 'PostgreSQL is unavailable',
        }
      : { data, provenance: PROVENANCE, dataUntil: DATA_UNTIL, stale: false };
  const reads = {
    async latestReadingsAnswer(buildingId: string) {
      asked.latestReadings++;
      return answer(
        buildingId !== 'Office_A'
          ? []
          : [
              {
                meterId: 'Office_A:electricity',
                meterKind: 'electricity',
                value: 1.5 + asked.latestReadings,
                unit: 'kWh',
                occurredAt: new Date('2016-03-01T23:00:00Z'),
              },
            ],
      );
    },
    async building(buildingId: string) {
      return buildingId === 'Office_A' ? { buildingId } : undefined;
    },
    async buildingTenant(buildingId: string) {
      return buildingId === 'Office_A' ? 't1' : undefined;
    },
    async consumption() {
      asked.consumption++;
      return answer([
        {
          start: new Date('2016-03-01T00:00:00Z'),
          end: DATA_UNTIL,
          meterKind: 'electricity',
          unit: 'kWh',
          total: 12.5,
          readings: 2,
          meters: 1,
        },
      ]);
    },
    async buildingDetail(buildingId: string) {
      asked.buildingDetail++;
      return answer(
        buildingId !== 'Office_A'
          ? undefined
          : {
              buildingId,
              tenantId: 't1',
              primaryUse: 'Office',
              timezone: 'UTC',
              registeredAt: new Date('2016-01-01T00:00:00Z'),
              meters: [
                {
                  meterId: 'Office_A:electricity',
                  meterKind: 'electricity',
                  unit: 'kWh',
                  lastValue: asked.buildingDetail,
                  lastReadingAt: DATA_UNTIL,
                },
              ],
            },
      );
    },
    async buildings() {
      asked.buildings++;
      return answer({
        buildings: [
          {
            buildingId: 'Office_A',
            siteId: null,
            primaryUse: 'Office',
            floorAreaM2: null,
            timezone: 'UTC',
            yearBuilt: null,
            weatherStationId: null,
          },
        ],
        hasMore: false,
      });
    },
    async consumptionTotals() {
      return answer([]);
    },
    async weatherNormalised() {
      asked.weatherNormalised++;
      return answer({
        buildingId: 'Office_A',
        stationId: 'KBOS',
        meterKind: 'electricity',
        unit: 'kWh',
        hours: 24,
        actual: 1000,
        heatingDegreeHours: 276,
        coolingDegreeHours: 0,
        model: { base: 21, heatingSlope: 2, coolingSlope: 0, r2: 1, samples: 24 },
        predicted: 1000,
        normalised: 524,
        samples: [],
      });
    },
  } as unknown as McpReads;
  return {
    reads,
    asked,
    answerStale(value: boolean) {
      stale = value;
    },
  };
}

const position = { partition: 0, offset: '1' };
const at = new Date('2016-03-02T00:00:00Z');
/** The batch the projector applies, whose tags it then invalidates. */
const readingOf = (buildingId: string): ProjectionEvent<TopicKey> => ({
  ...position,
  topic: 'sensorReadings',
  event: {
    eventId: randomBytes(4).toString('hex'),
    occurredAt: at,
    source: 'test',
    buildingId,
    meterId: `${buildingId}:electricity`,
    meterKind: 'electricity',
    value: 3,
    unit: 'kWh',
  },
});
const registrationOf = (buildingId: string): ProjectionEvent<TopicKey> => ({
  ...position,
  topic: 'buildings',
  event: {
    eventId: randomBytes(4).toString('hex'),
    occurredAt: at,
    source: 'test',
    buildingId,
    primaryUse: 'Office',
    timezone: 'UTC',
  },
});
const observationOf = (stationId: string): ProjectionEvent<TopicKey> => ({
  ...position,
  topic: 'weatherObservations',
  event: { eventId: randomBytes(4).toString('hex'), occurredAt: at, source: 'test', stationId },
});

describe('read tools through the tool-result cache', () => {
  let redis: Redis;
  let cache: ToolResultCache;
  const metrics = createMetrics({ processMetrics: false });
  const { reads, asked, answerStale } = countingReads();
  const servers: RunningMcpHttpServer[] = [];
  const clients: Client[] = [];

  /** A client of an MCP server over HTTP whose requests are `who`'s, all sharing the one cache. */
  async function connect(who = principal('local', 'admin', '*')) {
    const server = await startMcpHttpServer({
      host: '127.0.0.1',
      port: 0,
      // The caller is `who`, the factory's local principal: no token needed for what is tested here.
      auth: { mode: 'none' },
      logger: createLogger({ level: 'warn', component: 'test:tool-cache' }),
      factory: createMcpServerFactory(reads, { cache, metrics, localPrincipal: who }),
    });
    servers.push(server);
    const client = new Client({ name: 'tool-cache-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    clients.push(client);
    return async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      const text = (result.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');
      return {
        isError: result.isError === true,
        text,
        structured: result.structuredContent as Record<string, unknown> & Partial<AnswerMeta>,
      };
    };
  }
  let call: Awaited<ReturnType<typeof connect>>;

  const counted = async (labels: Record<string, string>, name: string = METRIC_NAMES.cacheRequests) => {
    const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    return values
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  };

  beforeAll(async () => {
    redis = createRedis({ url: redisUrl, keyPrefix: PREFIX });
    cache = createToolResultCache({
      redis,
      // As the process runtime wires it.
      onLookup: (lookup) => metrics.countCacheRequest(lookup.category, lookup.outcome === 'hit'),
    });
    call = await connect();
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const s of servers) await s.close();
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(PREFIX.length)));
    await redis.quit();
  });

  const officeA = { buildingId: 'Office_A' };

  it('answers a second identical call from the cache, saying cached: true, until the building has newer events', async () => {
    const first = await call(TOOL_NAMES.getLatestReadings, officeA);
    expect(first.structured.cached).toBe(false);
    expect(first.text).not.toContain('Served from the cache');

    const second = await call(TOOL_NAMES.getLatestReadings, officeA);
    expect(second.structured.cached).toBe(true);
    expect(second.structured.readings).toEqual(first.structured.readings);
    expect(second.text).toMatch(/Served from the cache: read at \S+Z \(\d+ s ago\)/);
    expect(asked.latestReadings).toBe(1);

    // Another building's events leave the answer alone; Office_A's evict it, as the projector does after a batch.
    expect(await cache.invalidateTags(tagsToInvalidate([readingOf('Office_B')]))).toBe(0);
    expect((await call(TOOL_NAMES.getLatestReadings, officeA)).structured.cached).toBe(true);
    expect(await cache.invalidateTags(tagsToInvalidate([readingOf('Office_A')]))).toBe(1);
    const third = await call(TOOL_NAMES.getLatestReadings, officeA);
    expect(third.structured.cached).toBe(false);
    expect(asked.latestReadings).toBe(2);
    // The fresh read is a new answer (the reads count into the value), now cached in turn.
    expect(third.structured.readings).not.toEqual(first.structured.readings);
    expect((await call(TOOL_NAMES.getLatestReadings, officeA)).structured.cached).toBe(true);
  });

  it('keys answers by tenant: a caller of another tenant does not get the first one', async () => {
    const before = asked.latestReadings;
    const tenantCall = await connect(principal('ana', 'analyst', 't1'));
    expect((await tenantCall(TOOL_NAMES.getLatestReadings, officeA)).structured.cached).toBe(false);
    expect((await tenantCall(TOOL_NAMES.getLatestReadings, officeA)).structured.cached).toBe(true);
    expect(asked.latestReadings).toBe(before + 1);
  });

  it('never keeps an isError answer', async () => {
    const before = asked.latestReadings;
    for (let i = 0; i < 2; i++) {
      const refused = await call(TOOL_NAMES.getLatestReadings, { buildingId: 'Nowhere' });
      expect(refused.isError).toBe(true);
      expect(refused.structured).toBeUndefined();
    }
    expect(asked.latestReadings).toBe(before + 2);
  });

  it('keeps query answers with their provenance, and never a stale (last good) one', async () => {
    const first = await call(TOOL_NAMES.queryConsumption, { ...officeA, ...RANGE, bucket: '1h' });
    const second = await call(TOOL_NAMES.queryConsumption, { ...officeA, ...RANGE, bucket: '1h' });
    expect([first.structured.cached, second.structured.cached]).toEqual([false, true]);
    expect(second.structured.provenance).toEqual(first.structured.provenance);
    expect(second.structured.stale).toBe(false);
    expect(second.structured.dataAgeMs).toBeGreaterThanOrEqual(first.structured.dataAgeMs ?? 0);
    expect(asked.consumption).toBe(1);

    answerStale(true);
    try {
      const args = { ...officeA, ...RANGE, bucket: '1d' };
      const stale = [
        await call(TOOL_NAMES.queryConsumption, args),
        await call(TOOL_NAMES.queryConsumption, args),
      ];
      expect(stale.map((s) => [s.structured.stale, s.structured.cached])).toEqual([
        [true, false],
        [true, false],
      ]);
      expect(asked.consumption).toBe(3);
    } finally {
      answerStale(false);
    }
  });

  it("tags an answer with what it read: weather_impact is evicted by its station's observations", async () => {
    const args = { ...officeA, ...RANGE };
    expect((await call(TOOL_NAMES.weatherImpact, args)).structured.cached).toBe(false);
    expect((await call(TOOL_NAMES.weatherImpact, args)).structured.cached).toBe(true);
    expect(await cache.invalidateTags(tagsToInvalidate([observationOf('KBOS')]))).toBe(1);
    expect((await call(TOOL_NAMES.weatherImpact, args)).structured.cached).toBe(false);
    expect(asked.weatherNormalised).toBe(2);
  });

  it('counts hits and misses per category and exports the hit ratio', async () => {
    // sensors: get_latest_readings above: 3 hits and 2 misses, then 1 and 1 for tenant t1, then 2 errors.
    const sensorsHits = await counted({ category: 'sensors', result: 'hit' });
    const sensorsMisses = await counted({ category: 'sensors', result: 'miss' });
    expect([sensorsHits, sensorsMisses]).toEqual([4, 5]);
    // energy: query_consumption, 1 hit and 3 misses (two of them stale); weather: 1 hit, 2 misses.
    expect(await counted({ category: 'energy', result: 'hit' })).toBe(1);
    expect(await counted({ category: 'energy', result: 'miss' })).toBe(3);
    expect(await counted({ category: 'weather', result: 'hit' })).toBe(1);
    expect(await counted({ category: 'sensors' }, METRIC_NAMES.cacheHitRatio)).toBeCloseTo(4 / 9);
    expect(await counted({ category: 'energy' }, METRIC_NAMES.cacheHitRatio)).toBeCloseTo(0.25);
    expect(await metrics.registry.metrics()).toContain('eaio_cache_hit_ratio{category="weather"} 0.3333');
  });

  // After the metrics test: these calls count in the sensors category too.
  it('answers a repeated get_building from the cache until a reading of that building evicts it', async () => {
    const first = await call(TOOL_NAMES.getBuilding, officeA);
    const second = await call(TOOL_NAMES.getBuilding, officeA);
    expect([first.structured.cached, second.structured.cached]).toEqual([false, true]);
    expect(second.structured.meters).toEqual(first.structured.meters);
    expect(asked.buildingDetail).toBe(1);

    expect(await cache.invalidateTags(tagsToInvalidate([readingOf('Office_B')]))).toBe(0);
    expect((await call(TOOL_NAMES.getBuilding, officeA)).structured.cached).toBe(true);
    expect(await cache.invalidateTags(tagsToInvalidate([readingOf('Office_A')]))).toBeGreaterThanOrEqual(1);
    const third = await call(TOOL_NAMES.getBuilding, officeA);
    expect(third.structured.cached).toBe(false);
    expect(asked.buildingDetail).toBe(2);
    // The fresh read is a new answer (the latest value counts the reads).
    expect(third.structured.meters).not.toEqual(first.structured.meters);
  });

  it('answers a repeated list_buildings from the cache until any building is registered', async () => {
    const first = await call(TOOL_NAMES.listBuildings, {});
    expect([first.structured.cached, (await call(TOOL_NAMES.listBuildings, {})).structured.cached]).toEqual([
      false,
      true,
    ]);
    // Readings and rollups do not change the directory; a registration of any building does.
    await cache.invalidateTags(tagsToInvalidate([readingOf('Office_A')]));
    expect((await call(TOOL_NAMES.listBuildings, {})).structured.cached).toBe(true);
    expect(await cache.invalidateTags(tagsToInvalidate([registrationOf('Office_Z')]))).toBeGreaterThanOrEqual(
      1,
    );
    expect((await call(TOOL_NAMES.listBuildings, {})).structured.cached).toBe(false);
    expect(asked.buildings).toBe(2);
  });
});
