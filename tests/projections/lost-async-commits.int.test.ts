import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import { PROJECTIONS } from '../../projections/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { createFaultPlatform, type FaultPlatform } from '../faults/support/fault-platform.ts';
import { type KillablePostgres, startKillablePostgres } from '../faults/support/own-services.ts';
import { hourlyReadings } from '../support/readings.ts';
import { waitFor } from '../support/wait-for.ts';

const BUILDING = 'lost-commits-b';

/** Rows of the building in `readings`, or undefined while PostgreSQL does not answer. */
async function storedReadings(platform: FaultPlatform): Promise<number | undefined> {
  const { rows } = await platform.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM readings WHERE building_id = $1',
    [BUILDING],
  );
  return rows[0]?.n;
}

// The projector commits with `synchronous_commit = off`: a PostgreSQL crash may lose its last
// commits after they were visible and the batches acknowledged. When the partitions then get no new
// message, no batch comes to notice that their stored offsets went back: the projector must look for
// itself, or those events stay missing until the meters send again.
describe('commits a PostgreSQL crash lost on partitions that stay idle', () => {
  let cluster: KillablePostgres;
  let platform: FaultPlatform;
  let projector: RunningProjector;

  beforeAll(async () => {
    cluster = await startKillablePostgres('eaio_lost_commits');
    platform = await createFaultPlatform('lost_commits', { postgresUrl: cluster.url });
    // The WAL writer writes asynchronous commits out every 10 s at most, and not sooner for volume:
    // the crash below then reliably loses the last commits, which the default 200 ms leaves to chance.
    await platform.pool.query("ALTER SYSTEM SET wal_writer_delay = '10s'");
    await platform.pool.query("ALTER SYSTEM SET wal_writer_flush_after = '1GB'");
    await platform.pool.query('SELECT pg_reload_conf()');
    projector = await runProjector(platform, {
      projections: PROJECTIONS.filter((p) => p.name === 'readings'),
    });
  }, 120_000);

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
    await cluster?.stop();
  }, 120_000);

  it('applies them again by itself, with nothing new produced', async () => {
    const deps = await platform.feedDeps();
    // The WAL writer still writes everything out every 10 s: a round whose commits it wrote before
    // the kill would lose nothing, so each round looks for unwritten WAL first and the next tries again.
    let sent = 0;
    let afterCrash: number | undefined;
    for (let round = 0; round < 5 && afterCrash === undefined; round++) {
      const readings = hourlyReadings(BUILDING, 4, 24).map((r) => ({
        ...r,
        occurredAt: new Date(r.occurredAt.getTime() + round * 24 * 3_600_000),
      }));
      await publishReadings(deps, readings);
      sent += readings.length;
      await waitFor(
        'every reading projected',
        async () => ((await storedReadings(platform)) === sent ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const { rows } = await platform.pool.query<{ unwritten: boolean }>(
        'SELECT pg_current_wal_lsn() < pg_current_wal_insert_lsn() AS unwritten',
      );
      if (!rows[0]?.unwritten) continue;
      await cluster.kill();
      await cluster.start();
      afterCrash = await waitFor('PostgreSQL answering again', () => storedReadings(platform), {
        timeoutMs: 30_000,
      });
    }
    // What makes this test worth its name: the crash did take committed rows with it.
    expect(afterCrash).toBeLessThan(sent);

    await waitFor(
      'every reading back without a new message',
      async () => ((await storedReadings(platform)) === sent ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const { rows } = await platform.pool.query<{ n: number; ids: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS ids FROM readings WHERE building_id = $1',
      [BUILDING],
    );
    expect(rows[0]).toEqual({ n: sent, ids: sent });
  });
});
