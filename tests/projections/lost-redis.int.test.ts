import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import {
  activeGenerationKey,
  deleteRedisPrefix,
  PROJECTIONS,
  readLatestReadings,
} from '../../projections/index.ts';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { hourlyReadings, latestPerMeter } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BUILDING = 'lost-redis-b';

/** Each meter's latest value as `eventId@time`, sorted by meter, so two compare equal as JSON. */
const describeLatest = (readings: Iterable<{ meterId: string; eventId: string; occurredAt: Date }>) =>
  JSON.stringify(
    [...readings]
      .map((r) => `${r.meterId}=${r.eventId}@${r.occurredAt.toISOString()}`)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );

describe('a Redis projection whose data Redis lost is refolded by the running projector', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;

  beforeAll(async () => {
    platform = await createTestPlatform('lost_redis');
    projector = await runProjector(platform, {
      projections: PROJECTIONS.filter((p) => p.name === 'latest-readings' || p.name === 'readings'),
    });
  });

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  it('brings back every latest value, keeps the newest against an older event, with no restart', async () => {
    const deps = await platform.feedDeps();
    const readings = hourlyReadings(BUILDING, 4, 48);
    await publishReadings(deps, readings);
    const expected = describeLatest(latestPerMeter(readings).values());
    await waitFor('latest values projected', async () =>
      describeLatest(await readLatestReadings(platform.redis, BUILDING)) === expected ? true : undefined,
    );

    // What an empty restart of Redis leaves: none of the projection's keys, its pointer included.
    await deleteRedisPrefix(platform.redis, 'p:latest-readings:');
    expect(await platform.redis.get(activeGenerationKey('latest-readings'))).toBeNull();

    // An older event for m0 (new id, 10.5 h before its latest): nothing in Redis to compare it with.
    const m0 = latestPerMeter(readings).get(`${BUILDING}:m0`) as SensorReading;
    const older: SensorReading = {
      ...m0,
      eventId: randomUUID(),
      occurredAt: new Date(m0.occurredAt.getTime() - 10.5 * HOUR_MS),
      value: 0.25,
    };
    await publishReadings(deps, [older]);
    await waitFor(
      'every latest value back, the newest one per meter',
      async () =>
        describeLatest(await readLatestReadings(platform.redis, BUILDING)) === expected ? true : undefined,
      { timeoutMs: 60_000 },
    );
    expect(await platform.redis.get(activeGenerationKey('latest-readings'))).toBe('1');
    await platform.waitForReadings(readings.length + 1, 60_000);
    const { rows } = await platform.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM readings WHERE building_id = $1',
      [BUILDING],
    );
    expect(rows[0]?.n).toBe(readings.length + 1);
  });
});
