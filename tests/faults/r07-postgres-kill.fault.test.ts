import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/stack/network.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkNamed, readReadiness } from './support/health-probe.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';
import { type PostgresCluster, startPostgresCluster } from './support/postgres-cluster.ts';

const SCENARIO = 'r07';
const METERS = sized(6, 12);
const HOURS = sized(240, 720);
const KILLS = sized(3, 6);
/** From the cluster answering again to the read model holding every acknowledged event. */
const RECOVERY_LIMIT_MS = sized(60_000, 120_000);

/**
 * Seen from Postgres itself: a backend other than ours inside a transaction that has written
 * (it holds a transaction id) and not committed yet, i.e. the projector is mid-batch.
 */
const MID_BATCH = `SELECT count(*)::int AS n FROM pg_stat_activity
  WHERE pid <> pg_backend_pid() AND backend_xid IS NOT NULL AND datname = current_database()`;

describe('R7: PostgreSQL killed mid-batch', () => {
  let cluster: PostgresCluster | undefined;
  let platform: TestPlatform | undefined;
  const children: EaioProcess[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    platform = await createTestPlatform(SCENARIO, { postgresUrl: cluster.url });
  });

  afterAll(async () => {
    for (const child of children)
      if (child.child.exitCode !== null || child.child.signalCode !== null)
        console.error(
          `[${SCENARIO}] a child ended (${child.child.exitCode ?? child.child.signalCode}):\n${child.stderr().slice(-6000)}`,
        );
    for (const child of children) await child.kill();
    // The cluster goes with its schema; the shared Kafka topics and Redis keys are dropped by dispose.
    await platform?.dispose().catch(() => undefined);
    await cluster?.dispose();
  });

  it('loses no acknowledged reading, writes none twice and recovers by itself', async () => {
    if (!platform || !cluster) throw new Error('setup failed');
    const p = platform;
    const pg = cluster;
    const ledger = new AckLedger(SCENARIO);
    const deps = await p.feedDeps();
    const healthPort = await freePort();
    const health = `http://127.0.0.1:${healthPort}`;
    const projector = spawnEaio(['project'], {
      ...p.childEnv,
      EAIO_HEALTH_ENABLED: 'true',
      EAIO_METRICS_HOST: '127.0.0.1',
      EAIO_METRICS_PORT: String(healthPort),
    });
    children.push(projector);
    // The per-meter windows feed the rollups: a batch applied twice would double a window's sum.
    const aggregates = spawnEaio(['process', 'reading-aggregates'], p.childEnv);
    children.push(aggregates);

    const readings = hourlyReadings('r7-b', METERS, HOURS);
    // Interleaved across meters, so each round advances every meter's event time.
    const ordered = [...readings].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    const rounds = KILLS + 1;
    const perRound = Math.ceil(ordered.length / rounds);
    const recoveries: number[] = [];
    const killedPids: number[] = [];
    const publishErrors: Error[] = [];

    await waitFor(
      'the projector answering /health/ready',
      async () => ((await readReadiness(health).catch(() => undefined)) ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 250 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\nprojector stderr:\n${projector.stderr().slice(-4000)}`);
    });

    for (let round = 0; round < rounds; round++) {
      const slice: SensorReading[] = ordered.slice(round * perRound, (round + 1) * perRound);
      const last = round === rounds - 1;
      // Small chunks keep the projector busy with many short batches while we watch for one in flight.
      const publishing = ledger.publish(deps, slice, 50).then((errors) => publishErrors.push(...errors));
      if (!last) {
        await waitFor(
          'the projector mid-batch (a writing transaction open)',
          async () => {
            const { rows } = await p.pool.query<{ n: number }>(MID_BATCH);
            return (rows[0]?.n ?? 0) > 0 ? true : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 5 },
        );
        killedPids.push(...(await pg.kill()));
      }
      await publishing;
      if (last) break;

      // While it is down, the projector's readiness names PostgreSQL as the failing dependency.
      const down = await waitFor(
        'readiness to report postgres down',
        async () => {
          const answer = await readReadiness(health);
          const check = checkNamed(answer, 'postgres');
          return answer?.status === 503 && check?.ok === false ? check : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(down.reason).toBeTruthy();

      await pg.start();
      const back = performance.now();
      const owed = ledger.acknowledged.size;
      await waitFor(
        `${owed} acknowledged readings projected after restart ${round + 1}`,
        async () => ((await p.countReadings()) >= owed ? true : undefined),
        { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 100 },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\nprojector stderr:\n${projector.stderr().slice(-4000)}`);
      });
      recoveries.push(Math.round(performance.now() - back));
      const answer = await waitFor('readiness to report postgres up again', async () => {
        const a = await readReadiness(health);
        return checkNamed(a, 'postgres')?.ok ? a : undefined;
      });
      expect(checkNamed(answer, 'postgres')?.ok).toBe(true);
    }

    await waitFor(
      'every acknowledged reading projected',
      async () => ((await p.countReadings()) >= ledger.acknowledged.size ? true : undefined),
      { timeoutMs: RECOVERY_LIMIT_MS },
    );
    const check = await ledger.checkReadings(p.pool);

    // Rollups: every hourly and daily window of a meter equals the readings it covers, once each.
    const closedHours = METERS * (HOURS - 3);
    await waitFor(
      `at least ${closedHours} hourly meter windows projected`,
      async () => {
        const { rows } = await p.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM rollups WHERE window_size = 'PT1H' AND meter_id <> ''",
        );
        return (rows[0]?.n ?? 0) >= closedHours ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const { rows: rollupRows } = await p.pool.query<{ size: string; n: number; wrong: number }>(
      `WITH expected AS (
         SELECT meter_id, 'PT1H' AS size, date_trunc('hour', occurred_at, 'UTC') AS ws, sum(value) AS s, count(*) AS c
           FROM readings GROUP BY 1, 3
         UNION ALL
         SELECT meter_id, 'P1D', date_trunc('day', occurred_at, 'UTC'), sum(value), count(*)
           FROM readings GROUP BY 1, 3)
       SELECT r.window_size AS size, count(*)::int AS n,
              count(*) FILTER (WHERE e.c IS NULL OR r.count <> e.c OR abs(r.sum - e.s) > 1e-6)::int AS wrong
         FROM rollups r LEFT JOIN expected e
           ON e.meter_id = r.meter_id AND e.size = r.window_size AND e.ws = r.window_start
        WHERE r.meter_id <> '' AND r.window_size IN ('PT1H', 'P1D')
        GROUP BY r.window_size ORDER BY 1`,
    );
    const wrongWindows = rollupRows.reduce((n, r) => n + r.wrong, 0);

    const file = await writeScenarioResult({
      scenario: SCENARIO,
      title: 'PostgreSQL killed mid-batch',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: check.lost.length,
      duplicated: check.duplicated,
      poisonSent: 0,
      deadLettered: 0,
      recoveryMs: recoveries.length > 0 ? Math.max(...recoveries) : null,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: `FAULTS_SIZE=${faultSize()} npx vitest run tests/faults/r07-postgres-kill.fault.test.ts`,
      notes: [
        `${KILLS} kill -9 of the postmaster and its ${killedPids.length - KILLS} children in all, each while a projector transaction was open`,
        `recovery per kill (ms, cluster answering to every acknowledged reading projected): ${recoveries.join(', ')}`,
        `rollup windows checked against the readings: ${rollupRows.map((r) => `${r.n} ${r.size}`).join(', ')}; wrong: ${wrongWindows}`,
        `readings rows ${check.rows}; unacknowledged stored ${check.unacknowledgedStored}`,
      ],
    });
    console.info(`[${SCENARIO}] figures in ${file}`);

    expect(publishErrors).toEqual([]);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(recoveries).toHaveLength(KILLS);
    for (const ms of recoveries) expect(ms).toBeLessThan(RECOVERY_LIMIT_MS);
    expect(rollupRows.map((r) => r.size)).toEqual(['P1D', 'PT1H']);
    expect(wrongWindows).toBe(0);
    // No manual step: the same projector process carried on through every crash.
    expect(projector.child.exitCode).toBeNull();
    expect(projector.child.signalCode).toBeNull();
  });
});
