import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  projectionsStatus,
  type RunningProjector,
  rebuildNamedProjection,
  runProjector,
} from '../../app/index.ts';
import {
  activeGenerationKey,
  createQueryLayer,
  generationSchema,
  redisGenerationPrefix,
} from '../../projections/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { loadBdg1Sample, publishBuildings, publishReadings } from '../../sources/index.ts';
import { hourlyReadings, latestPerMeter } from '../support/readings.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BUILDING = 'Office_Ellie';
const HOUR = 3_600_000;

/** A correction: a new event for an existing (meter, time) with another value. */
const corrected = (r: SensorReading): SensorReading => ({
  ...r,
  eventId: randomUUID(),
  value: r.value + 0.25,
});

describe('rebuild: a new generation is built beside the live one and switched in without downtime', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  const produced: SensorReading[] = [];
  const firstWave = hourlyReadings(BUILDING, 6, 400);
  // Hours after the first wave: produced while the rebuild runs.
  const secondWave = hourlyReadings(BUILDING, 6, 150, Date.UTC(2015, 0, 1) + 400 * HOUR);

  const publish = async (readings: readonly SensorReading[]) => {
    const deps = await platform.feedDeps();
    for (let i = 0; i < readings.length; i += 500) await publishReadings(deps, readings.slice(i, i + 500));
    produced.push(...readings);
  };
  /** Distinct (meter, time) keys produced so far: what the readings table must hold. */
  const expectedRows = () => new Set(produced.map((r) => `${r.meterId}@${r.occurredAt.getTime()}`)).size;
  const schemaOf = (name: string, generation: number) =>
    generationSchema(platform.config.postgres.schema, name, generation);
  const count = async (sql: string): Promise<number> =>
    Number((await platform.pool.query<{ n: string }>(sql)).rows[0]?.n);
  /** Resolves once the live generation of `name` has applied everything on the log. */
  const liveCaughtUp = (name: string) =>
    waitFor(
      `${name} live generation caught up`,
      async () => {
        const status = (await projectionsStatus(platform)).find((p) => p.name === name);
        return status?.lag === 0n ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );

  /** Polls the reader side (views and the active Redis generation) until `done` settles. */
  const pollReaders = async (done: Promise<unknown>) => {
    const failures: unknown[] = [];
    const counts: number[] = [];
    let settled = false;
    void done.finally(() => {
      settled = true;
    });
    const models = createQueryLayer(platform);
    while (!settled) {
      try {
        counts.push(await platform.countReadings());
        const building = await models.building(BUILDING);
        const latest = await models.latestReadings(BUILDING);
        if (building === undefined || building.meters.length !== 6 || latest.length !== 6)
          failures.push(
            new Error(`incomplete answer: ${building?.meters.length} meters, ${latest.length} latest`),
          );
      } catch (error) {
        failures.push(error);
      }
    }
    return { failures, counts };
  };

  beforeAll(async () => {
    platform = await createTestPlatform('rebuild');
    const deps = await platform.feedDeps();
    const buildings = (await loadBdg1Sample()).filter((b) => b.buildingId === BUILDING);
    await publishBuildings(deps, buildings, new Date(Date.UTC(2015, 0, 1)));
    // Re-sent duplicates (same event id) and corrected values for existing (meter, time) keys.
    const duplicates = firstWave.filter((_, i) => i % 37 === 0);
    const corrections = firstWave.filter((_, i) => i % 53 === 0).map(corrected);
    await publish([...firstWave, ...duplicates, ...corrections]);
    projector = await runProjector(platform);
    await platform.waitForReadings(expectedRows(), 90_000);
    await liveCaughtUp('latest-readings');
  });

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  it('rebuilds readings while the live projector runs and readings keep arriving; the new generation equals the old one', async () => {
    const offsetsBefore = (await projectionsStatus(platform)).find((p) => p.name === 'readings');
    expect(offsetsBefore?.activeGeneration).toBe(1);
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let producing: Promise<void> = Promise.resolve();
    const rebuild = rebuildNamedProjection(platform, 'readings', {
      onProgress: () => started(),
      catchUpIntervalMs: 50,
      // Let the live generation finish the second wave, so both generations end at the same offsets.
      beforeSwitch: async () => {
        await producing;
        await liveCaughtUp('readings');
      },
    });
    const readers = pollReaders(rebuild);
    await running;
    // A second rebuild of the same projection is refused while this one runs.
    await expect(rebuildNamedProjection(platform, 'readings')).rejects.toThrow(/already running/);
    producing = publish([...secondWave, ...secondWave.filter((_, i) => i % 11 === 0).map(corrected)]);
    const result = await rebuild;
    const { failures, counts } = await readers;

    expect(result).toMatchObject({ projection: 'readings', generation: 2, previous: 1, dropped: [] });
    expect(failures).toEqual([]);
    expect(counts.length).toBeGreaterThan(10);
    // Readers never saw the read model shrink: the views moved from a complete generation to another.
    expect(counts.every((n, i) => i === 0 || n >= (counts[i - 1] ?? 0))).toBe(true);

    const [g1, g2] = [schemaOf('readings', 1), schemaOf('readings', 2)];
    for (const table of ['readings', 'latest_readings']) {
      const onlyNew = await count(
        `SELECT count(*) AS n FROM (SELECT * FROM ${g2}.${table} EXCEPT SELECT * FROM ${g1}.${table}) d`,
      );
      const onlyOld = await count(
        `SELECT count(*) AS n FROM (SELECT * FROM ${g1}.${table} EXCEPT SELECT * FROM ${g2}.${table}) d`,
      );
      expect({ table, onlyNew, onlyOld }).toEqual({ table, onlyNew: 0, onlyOld: 0 });
    }
    expect(await count(`SELECT count(*) AS n FROM ${g2}.readings`)).toBe(expectedRows());
    // Monthly partitions were created on demand in the new generation too.
    expect(
      await count(`SELECT count(*) AS n FROM pg_inherits WHERE inhparent = '${g2}.readings'::regclass`),
    ).toBeGreaterThan(0);

    const views = await platform.pool.query<{ viewname: string; definition: string }>(
      `SELECT viewname, definition FROM pg_views WHERE schemaname = $1 AND viewname IN ('readings', 'latest_readings')`,
      [platform.config.postgres.schema],
    );
    expect(views.rows).toHaveLength(2);
    for (const v of views.rows) expect(v.definition).toContain(`${g2}.${v.viewname}`);

    const after = (await projectionsStatus(platform)).find((p) => p.name === 'readings');
    expect(after).toMatchObject({ activeGeneration: 2, retiredGenerations: [1] });
    const old = await platform.pool.query<{ topic: string; partition: number; next_offset: string }>(
      `SELECT topic, partition, next_offset FROM ${platform.config.postgres.schema}.projection_offsets
        WHERE projection = 'readings' AND generation = 1`,
    );
    for (const o of old.rows) {
      const now = after?.partitions.find((p) => p.topic === o.topic && p.partition === o.partition);
      expect(now?.nextOffset).toBeGreaterThanOrEqual(BigInt(o.next_offset));
    }

    // Later readings land in the new generation only.
    const later = hourlyReadings(BUILDING, 6, 10, Date.UTC(2015, 0, 1) + 600 * HOUR);
    await publish(later);
    await platform.waitForReadings(expectedRows(), 90_000);
    expect(await count(`SELECT count(*) AS n FROM ${g2}.readings`)).toBe(expectedRows());
    expect(await count(`SELECT count(*) AS n FROM ${g1}.readings`)).toBe(expectedRows() - later.length);
    // Corrections won over the values they corrected, in the served generation.
    const served = await platform.pool.query<{ meter_id: string; occurred_at: Date; value: number }>(
      'SELECT meter_id, occurred_at, value FROM readings',
    );
    const byKey = new Map<string, number>();
    for (const r of produced) byKey.set(`${r.meterId}@${r.occurredAt.getTime()}`, r.value);
    for (const row of served.rows)
      expect(row.value).toBe(byKey.get(`${row.meter_id}@${row.occurred_at.getTime()}`));
  });

  it('rebuilds the Redis latest readings under a new key prefix and switches the active pointer', async () => {
    const prefix = platform.config.redis.keyPrefix;
    const snapshot = async (generation: number) => {
      const genPrefix = redisGenerationPrefix('latest-readings', generation);
      const keys = (await platform.redis.keys(`${prefix}${genPrefix}*`)).map((k) => k.slice(prefix.length));
      const entries: Record<string, unknown> = {};
      for (const key of keys.sort()) {
        const type = await platform.redis.type(key);
        entries[key.slice(genPrefix.length)] =
          type === 'hash' ? await platform.redis.hgetall(key) : (await platform.redis.smembers(key)).sort();
      }
      return entries;
    };
    let beforeSwitch: { old: Record<string, unknown>; fresh: Record<string, unknown> } | undefined;
    let producing: Promise<void> = Promise.resolve();
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const rebuild = rebuildNamedProjection(platform, 'latest-readings', {
      onProgress: () => started(),
      catchUpIntervalMs: 50,
      beforeSwitch: async () => {
        await producing;
        await liveCaughtUp('latest-readings');
        await waitFor('generation 2 at the offsets of generation 1', async () => {
          const { rows } = await platform.pool.query<{ generation: number; offsets: string }>(
            `SELECT generation, string_agg(topic || '/' || partition || '@' || next_offset, ',' ORDER BY topic, partition) AS offsets
               FROM ${platform.config.postgres.schema}.projection_offsets
              WHERE projection = 'latest-readings' AND next_offset > 0 GROUP BY generation`,
          );
          const [a, b] = rows;
          return rows.length === 2 && a?.offsets === b?.offsets ? true : undefined;
        });
        beforeSwitch = { old: await snapshot(1), fresh: await snapshot(2) };
      },
    });
    const readers = pollReaders(rebuild);
    await running;
    producing = publish(hourlyReadings(BUILDING, 6, 20, Date.UTC(2015, 0, 1) + 700 * HOUR));
    const result = await rebuild;
    const { failures } = await readers;

    expect(result).toMatchObject({ projection: 'latest-readings', generation: 2, previous: 1, dropped: [1] });
    expect(failures).toEqual([]);
    expect(Object.keys(beforeSwitch?.old ?? {}).length).toBe(7); // six meter hashes and the building's set
    expect(beforeSwitch?.fresh).toEqual(beforeSwitch?.old);
    expect(await platform.redis.get(activeGenerationKey('latest-readings'))).toBe('2');
    expect(await snapshot(1)).toEqual({});

    const newest = hourlyReadings(BUILDING, 6, 1, Date.UTC(2015, 0, 1) + 800 * HOUR);
    await publish(newest);
    const expected = [...latestPerMeter(produced).values()].map((r) => r.eventId).sort();
    await waitFor('the newest readings served from generation 2', async () => {
      const latest = await createQueryLayer(platform).latestReadings(BUILDING);
      return JSON.stringify(latest.map((r) => r.eventId).sort()) === JSON.stringify(expected)
        ? true
        : undefined;
    });
    expect(Object.keys(await snapshot(2)).length).toBe(7);
  });

  it('`eaio projections rebuild` and `list` work from the command line', async () => {
    const rebuild = spawnEaio(['projections', 'rebuild', 'buildings'], platform.childEnv);
    expect(await rebuild.exited(), rebuild.stderr()).toBe(0);
    expect(rebuild.stderr()).toContain('Projection buildings: generation 2 is active; g1 retired.');
    const list = spawnEaio(['projections', 'list'], platform.childEnv);
    expect(await list.exited(), list.stderr()).toBe(0);
    expect(list.stdout()).toMatch(/^buildings +postgres +active g2, retired g1 +lag 0/m);
    expect(list.stdout()).toMatch(/^readings +postgres +active g2, retired g1 +lag 0/m);
    expect(list.stdout()).toMatch(/^latest-readings +redis +active g2 +lag 0/m);
    expect((await createQueryLayer(platform).building(BUILDING))?.buildingId).toBe(BUILDING);
  });
});
