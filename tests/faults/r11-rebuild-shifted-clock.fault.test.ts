import { afterAll, describe, expect, it } from 'vitest';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { waitFor } from '../support/wait-for.ts';
import { topicMessageCount } from './support/dead-letter-count.ts';
import { childNow, shiftedClockEnv } from './support/faketime.ts';
import { createFaultPlatform, type FaultPlatform } from './support/fault-platform.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';

// R11 (docs/reliability.md): `eaio projections rebuild readings` runs while two simulators produce,
// one with its clock days ahead and one days behind, and the windows processor and the rebuild
// themselves run under skewed clocks. The rebuilt read model must equal the ledger, the rollups
// (windows by event time, lateness by the watermark) must equal the stored readings bucketed by
// event time, and the rebuild must switch generations by itself.
const COUNT = sized(1_500, 15_000);
const RECOVERY_LIMIT_MS = sized(60_000, 180_000);
const REPRODUCE = 'npx vitest run tests/faults/r11-rebuild-shifted-clock.fault.test.ts';
const DAY_MS = 86_400_000;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(e));
}, 120_000);

function start(args: string[], env: Record<string, string>): EaioProcess {
  const proc = spawnEaio(args, env);
  cleanups.push(() => proc.kill());
  return proc;
}

async function succeeded(proc: EaioProcess, what: string): Promise<void> {
  const code = await proc.exited();
  if (code !== 0) throw new Error(`${what} exited ${code}: ${proc.stderr().slice(-2_000)}`);
}

function simulate(platform: FaultPlatform, seed: number, clock: string): EaioProcess {
  return start(
    [
      'simulate',
      '--buildings',
      '2',
      '--seed',
      String(seed),
      '--backfill',
      '1d',
      '--interval',
      '1h',
      '--speed',
      'max',
      '--count',
      String(COUNT),
    ],
    { ...platform.childEnv, ...shiftedClockEnv(clock) },
  );
}

/** The event id of every reading on the log: what the simulators' sends were acknowledged for. */
async function eventIdsOnTheLog(platform: FaultPlatform): Promise<string[]> {
  const topic = platform.names.topic('sensorReadings');
  const total = await topicMessageCount(platform.kafka, topic);
  const consumer = platform.kafka.consumer({ groupId: `${platform.names.prefix}ledger-reader` });
  const ids: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = await platform.codec.decode('sensorReadings', message.value);
        ids.push((decoded.value as { eventId: string }).eventId);
      },
    });
    await waitFor(`${total} readings read back`, async () => (ids.length >= total ? true : undefined));
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

describe('R11: a rebuild while producers run under a shifted clock', () => {
  it('the rebuilt read model equals the ledger, windows follow event time, the switch is automatic', async () => {
    const started = performance.now();
    const ledger = new AckLedger('r11');
    // The shift reaches a child: its Date.now() is two days ahead of ours.
    expect(childNow('+2d') - Date.now()).toBeGreaterThan(2 * DAY_MS - 60_000);

    const platform = await createFaultPlatform('r11', {});
    cleanups.push(() => platform.dispose());
    // The live projector on the true clock; the windows processor five hours behind.
    start(['project'], platform.childEnv);
    start(['process', 'reading-aggregates'], { ...platform.childEnv, ...shiftedClockEnv('-5h') });

    // Producers days ahead and days behind, each a simulator run that stops after COUNT readings.
    const ahead = simulate(platform, 11, '+2d');
    await waitFor(
      'the first readings projected',
      async () => ((await countRows(platform, 'readings')) > 0 ? true : undefined),
      // A simulator registers its schemas and fleet first: a minute on a loaded 2-core machine.
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    const behind = simulate(platform, 12, '-3d');
    // The rebuild, its own clock a week ahead, while both produce.
    const rebuildStarted = performance.now();
    const rebuild = start(['projections', 'rebuild', 'readings'], {
      ...platform.childEnv,
      ...shiftedClockEnv('+7d'),
    });
    await succeeded(ahead, 'the simulator two days ahead');
    await succeeded(behind, 'the simulator three days behind');
    const producersDone = performance.now();
    await succeeded(rebuild, 'eaio projections rebuild readings');
    const rebuildMs = Math.round(performance.now() - rebuildStarted);
    expect(rebuild.stdout() + rebuild.stderr()).toMatch(
      /Projection readings: generation 2 is active; g1 retired/,
    );

    ledger.recordAcked(await eventIdsOnTheLog(platform));
    await waitFor(
      'every acknowledged reading in the rebuilt generation',
      async () => ((await ledger.checkReadings(platform.pool)).lost.length === 0 ? true : undefined),
      { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 250 },
    ).catch(async (error: unknown) => {
      // Say where the missing ones are: in the retired generation (written live, skipped by the
      // switch) or nowhere (never projected).
      const { lost } = await ledger.checkReadings(platform.pool);
      const { rows } = await platform.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM "${platform.config.postgres.schema}_readings_g1".readings WHERE event_id = ANY($1::uuid[])`,
        [lost],
      );
      throw new Error(`${(error as Error).message}: ${lost.length} missing, ${rows[0]?.n} of them in g1`);
    });
    const recoveryMs = Math.round(performance.now() - producersDone);
    const check = await ledger.checkReadings(platform.pool);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(check.rows).toBe(ledger.acknowledged.size);

    // The switch happened by itself: readers see generation 2, generation 1 is retired.
    const { rows: generations } = await platform.pool.query<{ generation: number; status: string }>(
      "SELECT generation, status FROM projection_generations WHERE projection = 'readings' ORDER BY generation",
    );
    expect(generations).toEqual([
      { generation: 1, status: 'retired' },
      { generation: 2, status: 'active' },
    ]);

    // Event times span the shifted clocks: days behind to days ahead of the true time.
    const { rows: span } = await platform.pool.query<{ first: Date; last: Date }>(
      'SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM readings',
    );
    const now = Date.now();
    expect(span[0]?.first.getTime()).toBeLessThan(now - 2 * DAY_MS);
    expect(span[0]?.last.getTime()).toBeGreaterThan(now + DAY_MS);

    // Windows by event time: every meter-hour the rollups hold equals the stored readings of that
    // hour, the late ones (three days behind the watermark) included as corrections or deltas.
    const mismatches = await waitFor(
      'rollups_1h equal to readings_1h',
      async () => {
        const n = await rollupMismatches(platform);
        return n === 0 ? n : undefined;
      },
      { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 500 },
    ).catch(async () => rollupMismatches(platform));
    expect(mismatches).toBe(0);

    const deadLettered =
      (await topicMessageCount(platform.kafka, platform.names.deadLetter('sensorReadings'))) +
      (await topicMessageCount(platform.kafka, platform.names.deadLetter('readingAggregates')));
    expect(deadLettered).toBe(0);
    await writeScenarioResult({
      scenario: 'r11',
      title: 'A rebuild while producers run under a shifted clock',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: 0,
      lost: check.lost.length,
      duplicated: check.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: REPRODUCE,
      notes: [
        `producers at +2d and -3d (${COUNT} readings each), windows processor at -5h, rebuild at +7d; rebuild took ${rebuildMs} ms`,
        `event times from ${span[0]?.first.toISOString()} to ${span[0]?.last.toISOString()}`,
        `file took ${Math.round((performance.now() - started) / 1000)} s`,
      ],
    });
  });
});

async function countRows(platform: FaultPlatform, table: string): Promise<number> {
  const { rows } = await platform.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(rows[0]?.n ?? 0);
}

/** Meter-hours where the rollups and the stored readings disagree (missing on either side, sum or count). */
async function rollupMismatches(platform: FaultPlatform): Promise<number> {
  const { rows } = await platform.pool.query<{ n: string }>(
    `SELECT count(*) AS n
       FROM readings_1h r
       FULL JOIN (SELECT * FROM rollups_1h WHERE meter_id <> '') u
         ON u.meter_id = r.meter_id AND u.window_start = r.window_start
      WHERE u.meter_id IS NULL OR r.meter_id IS NULL
         OR abs(u.sum - r.sum) > 1e-6 * greatest(1, abs(r.sum)) OR u.count <> r.count`,
  );
  return Number(rows[0]?.n ?? 0);
}
