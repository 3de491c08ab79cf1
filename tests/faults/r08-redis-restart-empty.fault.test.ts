import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueryLayer, readLatestReadings } from '../../projections/index.ts';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import { hourlyReadings, latestPerMeter } from '../support/readings.ts';
import { waitFor } from '../support/wait-for.ts';
import { createFaultPlatform, type FaultPlatform } from './support/fault-platform.ts';
import { checkNamed, readReadiness, startProjectorWithHealth } from './support/health-probe.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';
import { type RedisServer, startRedisServer } from './support/redis-server.ts';

// R8 (docs/reliability.md): Redis killed with SIGKILL and restarted empty (no RDB, no AOF) under a
// running projector, then an older event re-sent: every meter's latest value must be its newest
// reading again, in Redis and through the query layer the MCP tools call, with no manual step.
const SCENARIO = 'r08';
const BUILDING = 'r8-b';
const METERS = sized(4, 12);
const HOURS = sized(120, 720);
/** From the empty Redis answering to every meter's latest value being the newest again. */
const RECOVERY_LIMIT_MS = sized(60_000, 120_000);

/** Each meter's latest value as `eventId@time`, sorted by meter, so two compare equal as JSON. */
function describeLatest(readings: Iterable<{ meterId: string; eventId: string; occurredAt: Date }>) {
  return Object.fromEntries(
    [...readings]
      .map((r) => [r.meterId, `${r.eventId}@${r.occurredAt.toISOString()}`] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  // Last started, first stopped; every step runs whatever the others did.
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(e));
}, 120_000);

describe('R8: Redis killed and restarted empty, then an older event re-sent', () => {
  it('keeps the newest value per meter and answers queries again, with no manual step', async () => {
    const started = performance.now();
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.dispose());
    const p: FaultPlatform = await createFaultPlatform(SCENARIO, { redisUrl: redis.url });
    cleanups.push(() => p.dispose());
    const ledger = new AckLedger(SCENARIO);
    const deps = await p.feedDeps();
    const { proc: projector, health } = await startProjectorWithHealth(p.childEnv);
    cleanups.push(() => projector.kill());
    const withStderr = (error: unknown): never => {
      throw new Error(`${(error as Error).message}\nprojector stderr:\n${projector.stderr().slice(-4000)}`);
    };
    const allStored = (timeoutMs: number) =>
      waitFor(
        'every acknowledged reading in the readings table',
        async () => ((await ledger.checkReadings(p.pool)).lost.length === 0 ? true : undefined),
        { timeoutMs, intervalMs: 250 },
      ).catch(withStderr);
    const latestIs = (what: string, expected: Record<string, string>, timeoutMs: number) => {
      let seen: Record<string, string> = {};
      return waitFor(
        what,
        async () => {
          seen = describeLatest(await readLatestReadings(p.redis, BUILDING));
          return JSON.stringify(seen) === JSON.stringify(expected) ? true : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      ).catch((error: unknown) =>
        withStderr(
          new Error(
            `${(error as Error).message}\nexpected ${JSON.stringify(expected)}\nseen ${JSON.stringify(seen)}`,
          ),
        ),
      );
    };

    const readings = hourlyReadings(BUILDING, METERS, HOURS);
    const byTime = (a: SensorReading, b: SensorReading) => a.occurredAt.getTime() - b.occurredAt.getTime();
    const cut = Date.UTC(2015, 0, 1) + Math.floor(HOURS * 0.6) * HOUR_MS;
    const before = readings.filter((r) => r.occurredAt.getTime() < cut).sort(byTime);
    // After the kill only the meters other than m0 report: m0's latest value must come back from the
    // log, not from a new reading, and m0 is the meter that gets an older reading re-sent.
    const quiet = `${BUILDING}:m0`;
    const after = readings.filter((r) => r.occurredAt.getTime() >= cut && r.meterId !== quiet).sort(byTime);
    const duringOutage = after.slice(0, Math.floor(after.length / 3));
    const afterRestart = after.slice(duringOutage.length);

    // Phase 1: part of each meter's readings, projected into Redis and Postgres.
    expect(await ledger.publish(deps, before, 200)).toEqual([]);
    await allStored(120_000);
    await latestIs(
      'every meter latest in Redis before the kill',
      describeLatest(latestPerMeter(before).values()),
      60_000,
    );

    // Phase 2: SIGKILL; readiness names Redis; producing goes on (Kafka is up).
    await redis.kill();
    const down = await waitFor(
      'readiness to report redis down',
      async () => {
        const answer = await readReadiness(health);
        const check = checkNamed(answer, 'redis');
        return answer?.status === 503 && check?.ok === false ? check : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch(withStderr);
    expect(down.reason).toBeTruthy();
    const outageErrors = await ledger.publish(deps, duringOutage, 200);

    // Phase 3: a fresh, empty Redis on the same port; more readings, then two older ones re-sent.
    await redis.start();
    const back = performance.now();
    const restartErrors = await ledger.publish(deps, afterRestart, 200);
    const quietLatest = latestPerMeter(before).get(quiet);
    if (quietLatest === undefined) throw new Error('m0 has no reading before the cut');
    // A new event older in event time than m0's latest (between two hourly readings, so its natural
    // key is its own): on an empty Redis the compare-and-set has nothing to compare it with.
    const older: SensorReading = {
      ...quietLatest,
      eventId: randomUUID(),
      occurredAt: new Date(quietLatest.occurredAt.getTime() - 10 * HOUR_MS - HOUR_MS / 2),
      value: 0.25,
    };
    // And an exact copy of an older reading of another meter, as a source retrying would send it.
    const copy = before.find((r) => r.meterId === `${BUILDING}:m1`);
    if (copy === undefined) throw new Error('m1 has no reading before the cut');
    const resendErrors = await ledger.publish(deps, [older, copy], 200);

    const expected = describeLatest(latestPerMeter([...before, ...after, older]).values());
    expect(expected[quiet]).toBe(`${quietLatest.eventId}@${quietLatest.occurredAt.toISOString()}`);
    await latestIs('every meter latest in Redis to be its newest reading again', expected, RECOVERY_LIMIT_MS);
    const recoveryMs = Math.round(performance.now() - back);

    await allStored(120_000);
    const check = await ledger.checkReadings(p.pool);
    // The query layer the MCP tool get_latest_readings calls answers from the restored read model.
    const answer = await createQueryLayer({ pool: p.pool, redis: p.redis }).latestReadingsAnswer(BUILDING);
    const answered = describeLatest(answer.data);
    const readiness = await waitFor('readiness to report redis up again', async () => {
      const a = await readReadiness(health);
      return checkNamed(a, 'redis')?.ok ? a : undefined;
    });
    const fileMs = Math.round(performance.now() - started);

    const file = await writeScenarioResult({
      scenario: SCENARIO,
      title: 'Redis killed and restarted empty, then an older event re-sent',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: check.lost.length,
      duplicated: check.duplicated,
      poisonSent: 0,
      deadLettered: 0,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: `FAULTS_SIZE=${faultSize()} npx vitest run tests/faults/r08-redis-restart-empty.fault.test.ts`,
      notes: [
        `${METERS} meters; ${before.length} readings before the kill, ${duringOutage.length} while Redis was down, ${afterRestart.length} after, then 1 older reading (new event id) of ${quiet} and 1 exact copy of an older ${copy.meterId} reading`,
        `latest values right in Redis and through the query layer for ${Object.keys(answered).length} of ${METERS} meters`,
        `readings rows ${check.rows}; unacknowledged stored ${check.unacknowledgedStored}`,
        `file took ${Math.round(fileMs / 1000)} s`,
      ],
    });
    console.info(`[${SCENARIO}] figures in ${file}`);

    expect([...outageErrors, ...restartErrors, ...resendErrors]).toEqual([]);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(recoveryMs).toBeLessThan(RECOVERY_LIMIT_MS);
    expect(answered).toEqual(expected);
    expect(checkNamed(readiness, 'redis')?.ok).toBe(true);
    // No manual step: the same projector process carried on.
    expect(projector.child.exitCode).toBeNull();
    expect(projector.child.signalCode).toBeNull();
  });
});
