import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { createMetrics, type EaioMetrics, METRIC_NAMES } from '../../infra/metrics/index.ts';
import { type RunningProcessor, readingAggregatesProcessor, runProcessor } from '../../processors/index.ts';
import { buildingTag, createToolResultCache, type ToolResultCache } from '../../projections/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { caughtUp } from '../support/processor-runs.ts';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/** The value of one series of a metric (`suffix` picks `_count`/`_sum`/`_bucket` of a histogram); 0 when absent. */
async function seriesValue(
  registry: Registry,
  name: string,
  labels: Readonly<Record<string, string>>,
  suffix = '',
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const series = values.find(
    (v) =>
      // Histogram series name their part (_bucket, _count, _sum) in metricName, which the type omits.
      ((v as { metricName?: string }).metricName ?? name) === `${name}${suffix}` &&
      Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value),
  );
  return series?.value ?? 0;
}

describe('metrics wiring: the projector and a processor record into their process registry', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  let processor: RunningProcessor;
  let cache: ToolResultCache;
  // Two registries, as `eaio project` and `eaio process` are two processes.
  const projectorMetrics: EaioMetrics = createMetrics({ processMetrics: false });
  const processorMetrics: EaioMetrics = createMetrics({ processMetrics: false });
  const buildingId = 'Metrics_Building';
  const readings = hourlyReadings(buildingId, 3, 30);
  /** Every message on sensor-readings: the readings and one poison message. */
  const N = readings.length + 1;
  let topic: string;

  beforeAll(async () => {
    platform = await createTestPlatform('metrics_wiring');
    topic = platform.names.topic('sensorReadings');
    const deps = await platform.feedDeps();
    await publishReadings(deps, readings.slice(0, 40));
    // Not a Confluent frame: both stages dead-letter it with SCHEMA_FRAMING.
    await deps.producer.send({
      topic,
      messages: [{ key: `${buildingId}:m0`, value: Buffer.from('not avro') }],
    });
    await publishReadings(deps, readings.slice(40));
    cache = createToolResultCache({
      redis: platform.redis,
      onLookup: (lookup) => projectorMetrics.countCacheRequest(lookup.category, lookup.outcome === 'hit'),
    });
    projector = await runProjector(platform, { metrics: projectorMetrics, cache });
    processor = await runProcessor(
      { ...platform, sessionTimeoutMs: 6_000, metrics: processorMetrics },
      readingAggregatesProcessor,
    );
  });

  afterAll(async () => {
    await processor?.stop();
    await projector?.stop();
    await platform?.dispose();
  });

  it('projector: consumed = N on the readings topic, one dead letter with its code, write latency per projection', async () => {
    await platform.waitForReadings(readings.length);
    const consumed = () =>
      seriesValue(projectorMetrics.registry, METRIC_NAMES.eventsConsumed, { component: 'projector', topic });
    await waitFor('projector consumed every message', async () =>
      (await consumed()) >= N ? true : undefined,
    );
    expect(await consumed()).toBe(N);
    expect(
      await seriesValue(projectorMetrics.registry, METRIC_NAMES.deadLetters, {
        topic,
        stage: 'decode',
        code: 'SCHEMA_FRAMING',
      }),
    ).toBe(1);
    const batches = await seriesValue(
      projectorMetrics.registry,
      METRIC_NAMES.batchSize,
      { component: 'projector', topic },
      '_count',
    );
    expect(batches).toBeGreaterThan(0);
    for (const [projection, store] of [
      ['readings', 'postgres'],
      ['latest-readings', 'redis'],
    ] as const) {
      const writes = await seriesValue(
        projectorMetrics.registry,
        METRIC_NAMES.projectionWriteDuration,
        { projection, store },
        '_count',
      );
      expect(writes, `${projection} writes timed`).toBeGreaterThan(0);
    }
  });

  it('processor: consumed = N, produced > 0 after commits, the same poison dead-lettered once', async () => {
    await caughtUp(platform, processor.groupId, topic);
    const component = 'processor:reading-aggregates';
    const registry = processorMetrics.registry;
    expect(await seriesValue(registry, METRIC_NAMES.eventsConsumed, { component, topic })).toBe(N);
    const aggregatesTopic = platform.names.topic('readingAggregates');
    const produced = await seriesValue(registry, METRIC_NAMES.eventsProduced, {
      component,
      topic: aggregatesTopic,
    });
    expect(produced).toBeGreaterThan(0);
    // Everything counted as produced is on the topic (committed transactions only).
    const onTopic = await platform.readAll(aggregatesTopic, produced);
    expect(onTopic.length).toBe(produced);
    expect(
      await seriesValue(registry, METRIC_NAMES.deadLetters, {
        topic,
        stage: 'decode',
        code: 'SCHEMA_FRAMING',
      }),
    ).toBe(1);
    expect(
      await seriesValue(registry, METRIC_NAMES.batchSize, { component, topic }, '_count'),
    ).toBeGreaterThan(0);
  });

  it('a cached answer tagged building:<id> disappears once a new reading of that building is projected', async () => {
    const key = `latest-readings:${buildingId}:*`;
    const tags = [buildingTag(buildingId)];
    const first = await cache.getOrCompute('sensors', key, async () => 'before', { tags });
    expect(first.hit).toBe(false);
    const again = await cache.getOrCompute('sensors', key, async () => 'unused', { tags });
    expect(again).toMatchObject({ hit: true, value: 'before' });

    await publishReadings(await platform.feedDeps(), hourlyReadings(buildingId, 1, 1, Date.UTC(2015, 1, 1)));
    const after = await waitFor('the entry invalidated', async () => {
      const lookup = await cache.getOrCompute('sensors', key, async () => 'after', { tags });
      return lookup.hit ? undefined : lookup;
    });
    expect(after.value).toBe('after');
    const hits = await seriesValue(projectorMetrics.registry, METRIC_NAMES.cacheRequests, {
      category: 'sensors',
      result: 'hit',
    });
    const misses = await seriesValue(projectorMetrics.registry, METRIC_NAMES.cacheRequests, {
      category: 'sensors',
      result: 'miss',
    });
    expect(hits).toBeGreaterThanOrEqual(1);
    expect(misses).toBe(2);
  });
});
