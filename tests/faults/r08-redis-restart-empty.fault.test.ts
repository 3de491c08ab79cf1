import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/stack/network.ts';
import { createQueryLayer, readLatestReadings } from '../../projections/index.ts';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import { hourlyReadings, latestPerMeter } from '../support/readings.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkNamed, readReadiness } from './support/health-probe.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';
import { type RedisServer, startRedisServer } from './support/redis-server.ts';

const SCENARIO = 'r08';
const BUILDING = 'r8-b';
const METERS = sized(4, 12);
const HOURS = sized(120, 720);
/** From the empty Redis answering to every meter's latest value being the newest again. */
const RECOVERY_LIMIT_MS = sized(60_000, 120_000);

/** Each meter's latest value in Redis as `eventId@time`, for a comparison that names what differs. */
function describeLatest(readings: Iterable<{ meterId: string; eventId: string; occurredAt: Date }>) {
  // Sorted by meter id, so two descriptions compare equal as JSON whatever order they came in.
  return Object.fromEntries(
    [...readings]
      .map((r) => [r.meterId, `${r.eventId}@${r.occurredAt.toISOString()}`] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

describe('R8: Redis killed and restarted empty, then an older event re-sent', () => {
  let redis: RedisServer | undefined;
  let platform: TestPlatform | undefined;
  const children: EaioProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    platform = await createTestPlatform(SCENARIO, { redisUrl: redis.url });
  });

  afterAll(async () => {
    for (const child of children)
      if (child.child.exitCode !== null || child.child.signalCode !== null)
        console.error(
          `[${SCENARIO}] a child ended (${child.child.exitCode ?? child.child.signalCode}):\n${child.stderr().slice(-6000)}`,
        );
    for (const child of children) await child.kill();
    await platform?.dispose().catch(() => undefined);
    await redis?.dispose();
  });

  it('keeps the newest value per meter and answers queries again, with no manual step', async () => {
    if (!platform || !redis) throw new Error('setup failed');
    const p = platform;
    const server = redis;
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
    const withStderr = (error: unknown): never => {
      throw new Error(`${(error as Error).message}\nprojector stderr:\n${projector.stderr().slice(-4000)}`);
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

    // Phase 1: everything before the cut, projected into Redis and Postgres.
    expect(await ledger.publish(deps, before, 200)).toEqual([]);
    await p.waitForReadings(before.length, 120_000).catch(withStderr);
    const expectedBefore = describeLatest(latestPerMeter(before).values());
    await waitFor(
      'every meter latest in Redis before the kill',
      async () => {
        const got = describeLatest(await readLatestReadings(p.redis, BUILDING));
        return JSON.stringify(got) === JSON.stringify(expectedBefore) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch(withStderr);

    // Phase 2: kill -9; readiness names Redis; producing goes on (Kafka is up).
    await server.kill();
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
    await server.start();
    const back = performance.now();
    const restartErrors = await ledger.publish(deps, afterRestart, 200);
    const quietLatest = latestPerMeter(before).get(quiet);
    if (quietLatest === undefined) throw new Error('m0 has no reading before the cut');
    // A new event older in event time than m0's latest (between two hourly readings, so its natural
    // key is its own): the compare-and-set on an empty Redis has nothing to compare it with.
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

    const all = [...before, ...after, older];
    const expected = describeLatest(latestPerMeter(all).values());
    expect(expected[quiet]).toBe(`${quietLatest.eventId}@${quietLatest.occurredAt.toISOString()}`);
    let lastSeen: Record<string, string> = {};
    await waitFor(
      'every meter latest in Redis to be its newest reading again',
      async () => {
        lastSeen = describeLatest(await readLatestReadings(p.redis, BUILDING));
        return JSON.stringify(lastSeen) === JSON.stringify(expected) ? true : undefined;
      },
      { timeoutMs: RECOVERY_LIMIT_MS, intervalMs: 100 },
    ).catch((error: unknown) =>
      withStderr(
        new Error(
          `${(error as Error).message}\nexpected ${JSON.stringify(expected)}\nseen ${JSON.stringify(lastSeen)}`,
        ),
      ),
    );
    const recoveryMs = Math.round(performance.now() - back);

    await p.waitForReadings(all.length, 120_000).catch(withStderr);
    const check = await ledger.checkReadings(p.pool);

    // The query layer the MCP tools call answers from the restored read model.
    const queries = createQueryLayer({ pool: p.pool, redis: p.redis });
    const answer = await queries.latestReadingsAnswer(BUILDING);
    const answered = describeLatest(answer.data);
    const readiness = await readReadiness(health);

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
      ],
    });
    console.info(`[${SCENARIO}] figures in ${file}`);

    expect([...outageErrors, ...restartErrors, ...resendErrors]).toEqual([]);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(recoveryMs).toBeLessThan(RECOVERY_LIMIT_MS);
    expect(answered).toEqual(expected);
    expect(checkNamed(readiness, 'redis')?.ok).toBe(true);
    expect(projector.child.exitCode).toBeNull();
    expect(projector.child.signalCode).toBeNull();
  });
});
