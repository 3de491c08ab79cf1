import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryLayer } from '../../projections/index.ts';
import { expectEveryReadingOnce } from '../support/exactly-once.ts';
import { waitForProjectionsAtEnd } from '../support/projection-offsets.ts';
import { chunkedPublisher, hourlyReadings, latestPerMeter } from '../support/readings.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BUILDING = 'PrimClass_Jaylin';
const METERS = 24;
const HOURS = 200;
const KILLS = 12;
/** Readings put on the topic at the start of each life, so every life has work. */
const PER_LIFE = 300;

describe('the projector SIGKILLed again and again, also between its Postgres commit and its ack', () => {
  let platform: TestPlatform;
  const running: EaioProcess[] = [];
  // Hour by hour across every meter (each meter still in time order), so every life's chunk reaches
  // every partition: a failpoint life needs several partitions with new work to reach its n-th commit.
  const readings = hourlyReadings(BUILDING, METERS, HOURS).sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
  );

  const spawnProjector = (args: readonly string[] = []): EaioProcess => {
    const p = spawnEaio(['project', ...args], platform.childEnv);
    running.push(p);
    return p;
  };
  const schema = () => platform.config.postgres.schema;
  const topic = () => platform.names.topic('sensorReadings');

  /** Next offsets the `readings` projection stored per partition, and what the group committed. */
  const positions = async () => {
    const stored = await platform.pool.query<{ partition: number; next_offset: string }>(
      `SELECT o.partition, o.next_offset FROM ${schema()}.projection_offsets o
         JOIN ${schema()}.projection_generations g USING (projection, generation)
        WHERE o.projection = 'readings' AND g.status = 'active' AND o.topic = $1`,
      [topic()],
    );
    const admin = platform.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({
        groupId: `${platform.names.prefix}projector`,
        topics: [topic()],
      });
      return stored.rows.map((r) => ({
        partition: r.partition,
        stored: BigInt(r.next_offset),
        committed: BigInt(committed?.partitions.find((p) => p.partition === r.partition)?.offset ?? '-1'),
      }));
    } finally {
      await admin.disconnect();
    }
  };

  beforeAll(async () => {
    platform = await createTestPlatform('pcrash');
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await platform?.dispose();
  });

  it(`loses nothing and duplicates nothing across ${KILLS} kills; offsets end at the topic's end`, {
    timeout: 360_000,
  }, async () => {
    const produce = chunkedPublisher(await platform.feedDeps(), readings, 400);
    const kills: { how: 'external' | 'failpoint'; projected: number }[] = [];
    let producedUpTo = 0;

    // Bounded: KILLS lives, each waited for with a deadline.
    while (kills.length < KILLS) {
      // Readings keep arriving: each life starts with another chunk on the topic.
      producedUpTo += PER_LIFE;
      await produce(producedUpTo);
      const before = await platform.countReadings();
      if (kills.length % 2 === 1) {
        // Failpoint: the process kills itself right after a batch committed to Postgres, before
        // the ack and the Kafka commit, so the group's committed offset lags the stored one.
        const life = spawnProjector(['--exit-after-batches', String(randomInt(1, 4))]);
        await waitFor(
          'the failpoint to fire',
          async () => (life.child.signalCode === 'SIGKILL' ? true : undefined),
          {
            timeoutMs: 90_000,
          },
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${life.stderr()}`);
        });
        const lagging = (await positions()).filter((p) => p.committed < p.stored);
        expect(lagging.length, 'a partition committed to Postgres but not to Kafka').toBeGreaterThan(0);
        kills.push({ how: 'failpoint', projected: await platform.countReadings() });
      } else {
        // External SIGKILL at a random point once the life has made some progress.
        const life = spawnProjector();
        const threshold = Math.min(producedUpTo, before + randomInt(1, 250));
        await waitFor(
          'the projector to make progress',
          async () => ((await platform.countReadings()) >= threshold ? true : undefined),
          { timeoutMs: 90_000 },
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${life.stderr()}`);
        });
        await life.kill();
        kills.push({ how: 'external', projected: await platform.countReadings() });
      }
    }

    // The last life runs to the end.
    spawnProjector();
    await produce(readings.length);
    await platform.waitForReadings(readings.length, 120_000);
    await waitForProjectionsAtEnd(platform, 'sensorReadings', ['readings', 'latest-readings']);

    expect(kills.length).toBe(KILLS);
    expect(kills.filter((k) => k.how === 'failpoint').length).toBe(KILLS / 2);
    // Kills landed mid-stream: some readings were still to project at each of them.
    expect(kills.every((k) => k.projected < readings.length)).toBe(true);

    await expectEveryReadingOnce(platform, readings);
    const latest = await createQueryLayer(platform).latestReadings(BUILDING);
    expect(latest.map((r) => r.eventId).sort()).toEqual(
      [...latestPerMeter(readings).values()].map((r) => r.eventId).sort(),
    );
  });
});
