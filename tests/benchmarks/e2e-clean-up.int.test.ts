import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { preparePlatform } from '../../app/index.ts';
import { connectBenchPlatform } from '../../benchmarks/bench-platform.ts';
import { cleanUpRun, runSubjects } from '../../benchmarks/e2e/clean-up.ts';
import { pidFileOf, startStageProcesses } from '../../benchmarks/e2e/stage-processes.ts';
import { configSchema } from '../../infra/config/index.ts';
import { createKafka } from '../../infra/kafka/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { waitFor } from '../support/wait-for.ts';

const endpoints = inject('endpoints');
const id = randomBytes(3).toString('hex');
const prefix = `bench.${id}.`;
const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: `test-e2e-clean-up-${id}` });
const admin = kafka.admin();
const pool = new pg.Pool({ connectionString: endpoints.postgresUrl, max: 1 });
const redis = new Redis(endpoints.redisUrl);

afterAll(async () => {
  // Whatever the test saw, nothing of this run stays on the shared stack.
  await cleanUpRun(endpoints, id).catch(() => undefined);
  await admin.disconnect();
  await pool.end();
  redis.disconnect();
});

/** What of run `id` is on the stack now. */
async function leftovers() {
  const groups = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(prefix));
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  let subjects = 0;
  for (const subject of runSubjects(id)) {
    const response = await fetch(`${endpoints.registryUrl}/subjects/${encodeURIComponent(subject)}/versions`);
    if (response.ok) subjects += 1;
  }
  const { rows } = await pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')",
    [`bench_${id}`],
  );
  const keys = await redis.keys(`bench:${id}:*`);
  return {
    groups: groups.length,
    topics: topics.length,
    subjects,
    schemas: Number(rows[0]?.n),
    keys: keys.length,
  };
}

const alive = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return status !== '' && !/^State:\s+Z/m.test(status);
};

describe('the e2e benchmark clean-up', () => {
  it("removes a killed run's stage processes, topics, groups, subjects, schemas and keys", async () => {
    await admin.connect();
    // Given a run that prepared its slice of the stack, started a stage and fed it, then was killed
    // before stopping anything (its platform simply goes away; its child keeps running).
    const config = configSchema.parse({
      kafka: { brokers: endpoints.kafkaBrokers },
      registry: { url: endpoints.registryUrl },
      redis: { url: endpoints.redisUrl },
      postgres: { url: endpoints.postgresUrl },
      log: { level: 'warn' },
    });
    const platform = connectBenchPlatform(config, endpoints, id);
    await preparePlatform(platform);
    const stages = await startStageProcesses(id, [{ name: 'projector', args: ['project'] }], {
      EAIO_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      EAIO_REGISTRY_URL: endpoints.registryUrl,
      EAIO_REDIS_URL: endpoints.redisUrl,
      EAIO_POSTGRES_URL: endpoints.postgresUrl,
      EAIO_KAFKA_TOPIC_PREFIX: prefix,
      EAIO_POSTGRES_SCHEMA: `bench_${id}`,
      EAIO_REDIS_KEY_PREFIX: `bench:${id}:`,
      EAIO_LOG_LEVEL: 'warn',
      // The broker's minimum: the killed member leaves its group after 6 s, not 30 s.
      EAIO_KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    const pid = stages.pids.projector as number;
    await publishReadings(
      {
        producer: await platform.producer(),
        codec: platform.codec,
        names: platform.names,
        logger: platform.logger,
      },
      hourlyReadings('B1', 2, 5),
    );
    await waitFor(
      'the stage to project the readings',
      async () => {
        const { rows } = await platform.pool.query<{ n: string }>('SELECT count(*) AS n FROM readings');
        return Number(rows[0]?.n) === 10 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    await platform.close();
    const before = await leftovers();
    expect(before.groups).toBeGreaterThan(0);
    expect(before.topics).toBeGreaterThan(0);
    expect(before.subjects).toBeGreaterThan(0);
    expect(before.schemas).toBeGreaterThan(0);
    expect(before.keys).toBeGreaterThan(0);
    expect(await alive(pid)).toBe(true);
    expect(existsSync(pidFileOf(id))).toBe(true);

    // When the clean-up runs for that id, as `npm run bench -- e2e --clean-up <id>` does.
    const report = await cleanUpRun(endpoints, id);

    // Then the stage process is gone and nothing of the run is left.
    expect(report.stagesEnded).toBe(1);
    expect(await alive(pid)).toBe(false);
    expect(existsSync(pidFileOf(id))).toBe(false);
    expect(await leftovers()).toEqual({ groups: 0, topics: 0, subjects: 0, schemas: 0, keys: 0 });
    expect(report).toMatchObject({
      topics: before.topics,
      subjects: before.subjects,
      schemas: before.schemas,
    });
  }, 180_000);

  it('refuses an id that is not one run', async () => {
    await expect(cleanUpRun(endpoints, '')).rejects.toThrow(/not a run id/);
    await expect(cleanUpRun(endpoints, 'abc*')).rejects.toThrow(/not a run id/);
  });
});
