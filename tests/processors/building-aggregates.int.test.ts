import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildingAggregatesProcessor,
  mergeAggregate,
  readingAggregatesProcessor,
  readingsByBuildingProcessor,
} from '../../processors/index.ts';
import type { ReadingAggregate, SensorReading } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { multiset, readEvents, runToEnd } from '../support/processor-runs.ts';
import { chunkedPublisher, hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const BUILDINGS = ['Office_Abigail', 'UnivLab_Bethany'] as const;
const METERS = 5;
const HOURS = 96;
const SIZE_MS = { PT1H: HOUR_MS, P1D: 24 * HOUR_MS } as const;

/** Identity of a building window, as a store of building rollups would key it. */
const windowOf = (
  a: Pick<ReadingAggregate, 'buildingId' | 'meterKind' | 'unit' | 'windowSize' | 'windowStart'>,
): string => `${a.buildingId}|${a.meterKind}|${a.unit}|${a.windowSize}|${a.windowStart.toISOString()}`;

/**
 * Sum and count per building, meter kind, unit and window, computed from the readings themselves,
 * for the windows the watermark has closed: the latest hour minus the hour of out-of-order allowance.
 */
function expectedRollups(readings: readonly SensorReading[]): Map<string, { sum: number; count: number }> {
  const latest = Math.max(...readings.map((r) => r.occurredAt.getTime()));
  const watermark = latest - HOUR_MS;
  const expected = new Map<string, { sum: number; count: number }>();
  for (const r of readings) {
    for (const windowSize of ['PT1H', 'P1D'] as const) {
      const start = Math.floor(r.occurredAt.getTime() / SIZE_MS[windowSize]) * SIZE_MS[windowSize];
      if (start + SIZE_MS[windowSize] > watermark) continue;
      const key = windowOf({ ...r, windowSize, windowStart: new Date(start) });
      const seen = expected.get(key) ?? { sum: 0, count: 0 };
      expected.set(key, { sum: seen.sum + r.value, count: seen.count + 1 });
    }
  }
  return expected;
}

describe('building rollups on the broker: re-keyed by building, then aggregated per building', () => {
  let platform: TestPlatform;
  // Values are whole numbers plus 0.5 and far below 2^53, so every sum is exact in any order.
  const readings = BUILDINGS.flatMap((b, i) =>
    hourlyReadings(b, METERS, HOURS).map((r) => ({ ...r, value: r.value + 10_000 * i })),
  ).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  let firstBuildingRun: ReadingAggregate[] = [];

  beforeAll(async () => {
    platform = await createTestPlatform('building_rollups');
    await chunkedPublisher(await platform.feedDeps(), readings, 500)(readings.length);
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  it('gathers the readings of each building, spread over partitions by meter, in one partition', async () => {
    const source = await readEvents(platform, 'sensorReadings');
    for (const b of BUILDINGS) {
      const partitions = new Set(source.filter((e) => e.value.buildingId === b).map((e) => e.partition));
      expect(partitions.size, `${b}'s meters on several sensor-readings partitions`).toBeGreaterThan(1);
    }

    await runToEnd(platform, readingsByBuildingProcessor);
    const rekeyed = await readEvents(platform, 'readingsByBuilding');
    expect(rekeyed).toHaveLength(readings.length);
    expect(rekeyed.every((e) => e.key === e.value.buildingId)).toBe(true);
    for (const b of BUILDINGS) {
      const partitions = new Set(rekeyed.filter((e) => e.value.buildingId === b).map((e) => e.partition));
      expect(partitions.size, `${b} in one readings-by-building partition`).toBe(1);
    }
    // Re-keying changes nothing in the events themselves: same ids, same values.
    expect(multiset(rekeyed.map((e) => e.value))).toEqual(multiset(source.map((e) => e.value)));

    // A repartition topic: created with the catalogue's 30-day retention, not kept forever.
    const admin = platform.kafka.admin();
    await admin.connect();
    const { resources } = await admin
      .describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: 2 /* TOPIC */,
            name: platform.names.topic('readingsByBuilding'),
            configNames: ['retention.ms'],
          },
        ],
      })
      .finally(() => admin.disconnect());
    expect(resources[0]?.configEntries[0]?.configValue).toBe(String(30 * 24 * HOUR_MS));
  });

  it('states per-building hourly and daily sums equal to the sums of the meters’ readings', async () => {
    await runToEnd(platform, buildingAggregatesProcessor);
    await runToEnd(platform, readingAggregatesProcessor);
    const all = await readEvents(platform, 'readingAggregates');
    const building = all.filter((e) => e.value.meterId === null);
    const meter = all.filter((e) => e.value.meterId !== null);
    expect(building.length).toBeGreaterThan(0);
    expect(meter.length).toBeGreaterThan(0);
    expect(building.every((e) => e.key === e.value.buildingId)).toBe(true);
    expect(meter.every((e) => e.key === e.value.meterId)).toBe(true);
    // Both processors write the same topic, so their derived ids must never meet.
    expect(new Set(all.map((e) => e.value.eventId)).size).toBe(all.length);

    firstBuildingRun = building.map((e) => e.value);
    const restated = firstBuildingRun.filter((a) => a.revision !== 0 || a.isCorrection).length;
    console.info(
      `building-aggregates: ${firstBuildingRun.length} events for ${readings.length} readings, ${restated} of them restatements (revision > 0, correction or delta) from the re-keyer's interleaving`,
    );
    // The re-keyed partition interleaves meters as the re-keyer committed them, so a window may be
    // stated early and restated: fold the statements as a consumer does.
    const folded = new Map<string, ReadingAggregate>();
    for (const a of firstBuildingRun) folded.set(windowOf(a), mergeAggregate(folded.get(windowOf(a)), a));
    const expected = expectedRollups(readings);
    // 2 buildings x 2 meter kinds x (94 closed hours + 3 closed days).
    expect(expected.size).toBe(2 * 2 * (HOURS - 2 + 3));
    const stated = [...folded.values()].filter((a) => a.windowSize !== 'PT15M').map(windowOf);
    expect(new Set(stated)).toEqual(new Set(expected.keys()));
    for (const [key, { sum, count }] of expected) {
      expect(folded.get(key)?.sum, key).toBe(sum);
      expect(folded.get(key)?.count, key).toBe(count);
    }
  });

  it('a second run from scratch yields the identical building aggregates', async () => {
    await runToEnd(platform, { ...buildingAggregatesProcessor, name: 'building-aggregates-replay' });
    const again = (await readEvents(platform, 'readingAggregates'))
      .map((e) => e.value)
      .filter((a) => a.meterId === null);
    expect(again).toHaveLength(2 * firstBuildingRun.length);
    expect(multiset(again)).toEqual(new Map([...multiset(firstBuildingRun)].map(([k, n]) => [k, 2 * n])));
  });
});
