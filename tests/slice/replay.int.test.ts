import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewindProjector, runProjector } from '../../app/index.ts';
import { createQueryLayer } from '../../projections/index.ts';
import { loadBdg1Sample, publishBuildings, publishReadings } from '../../sources/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

describe('replay: the read models are rebuilt from the log, row for row', () => {
  let platform: TestPlatform;
  const readings = [...hourlyReadings('PrimClass_Uma', 4, 30), ...hourlyReadings('PrimClass_Umar', 3, 30)];

  const snapshot = async () => ({
    readings: (await platform.pool.query('SELECT * FROM readings ORDER BY meter_id, occurred_at')).rows,
    latest: (await platform.pool.query('SELECT * FROM latest_readings ORDER BY meter_id')).rows,
    buildings: (await platform.pool.query('SELECT * FROM buildings ORDER BY building_id')).rows,
    redis: await createQueryLayer(platform).latestReadings('PrimClass_Uma'),
  });

  const projectEverything = async () => {
    const projector = await runProjector(platform);
    await waitFor('the whole log projected', async () => {
      const latest = await createQueryLayer(platform).latestReadings('PrimClass_Umar');
      return (await platform.countReadings()) === readings.length && latest.length === 3 ? true : undefined;
    });
    return projector;
  };

  beforeAll(async () => {
    platform = await createTestPlatform('replay');
    const deps = await platform.feedDeps();
    const buildings = (await loadBdg1Sample()).filter((b) => b.buildingId.startsWith('PrimClass_Um'));
    await publishBuildings(deps, buildings, new Date(Date.UTC(2015, 0, 1)));
    await publishReadings(deps, readings);
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  it('refuses to rewind while the projector is running, and says how to proceed', async () => {
    const projector = await projectEverything();
    try {
      await expect(
        rewindProjector(platform, { target: { kind: 'earliest' }, dropReadModels: true }),
      ).rejects.toThrow(/is active .*Stop `eaio start` \/ `eaio project` first/);
    } finally {
      await projector.stop();
    }
  });

  it('drops and refolds the read models to exactly what they were', async () => {
    const before = await snapshot();
    expect(before.readings).toHaveLength(readings.length);
    expect(before.buildings).toHaveLength(2);

    const result = await rewindProjector(platform, { target: { kind: 'earliest' }, dropReadModels: true });
    expect(result.droppedReadModels).toBe(true);
    expect(result.partitions.every((p) => p.offset === '0')).toBe(true);
    expect(await platform.countReadings()).toBe(0);
    expect(await createQueryLayer(platform).latestReadings('PrimClass_Uma')).toEqual([]);

    const projector = await projectEverything();
    await projector.stop();
    expect(await snapshot()).toEqual(before);
  });

  it('`eaio replay --to-earliest --drop-read-models --run` refolds with progress and stops when caught up', async () => {
    const before = await snapshot();
    const cli = spawnEaio(['replay', '--to-earliest', '--drop-read-models', '--run'], platform.childEnv);
    expect(await cli.exited()).toBe(0);
    // Every message of both topics was read: the readings and the two building registrations.
    expect(cli.stderr()).toContain(`Refolded ${readings.length + 2} message(s)`);
    expect(await snapshot()).toEqual(before);
  });

  it('rewinds to a time: offsets point at the first event at or after it', async () => {
    const result = await rewindProjector(platform, {
      target: { kind: 'datetime', at: new Date(Date.now() + 3_600_000) },
      dropReadModels: false,
    });
    const ends = await (async () => {
      const admin = platform.kafka.admin();
      await admin.connect();
      try {
        return await admin.fetchTopicOffsets(platform.names.topic('sensorReadings'));
      } finally {
        await admin.disconnect();
      }
    })();
    // Nothing was produced after that time, so every partition points at its end.
    for (const p of result.partitions.filter((x) => x.topic === platform.names.topic('sensorReadings'))) {
      expect(p.offset).toBe(ends.find((e) => e.partition === p.partition)?.high);
    }
  });
});
