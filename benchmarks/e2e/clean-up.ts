import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createKafka } from '../../infra/kafka/index.ts';
import type { StackEndpoints } from '../../infra/stack/index.ts';
import { TOPICS, valueSubject } from '../../schemas/index.ts';
import { endOrphanedStages } from './stage-processes.ts';

/** What a clean-up removed. */
export interface CleanUpReport {
  readonly stagesEnded: number;
  readonly topics: number;
  readonly groups: number;
  readonly subjects: number;
  readonly schemas: number;
  readonly keys: number;
}

/** The registry subjects of run `id`: the value subject of each catalogue topic and its dead letters. */
export function runSubjects(id: string): string[] {
  return Object.values(TOPICS).flatMap((t) =>
    [t.name, t.deadLetterTopic].map((topic) => valueSubject(`bench.${id}.${topic}`)),
  );
}

/** Run ids are the 6 hex digits the run chose; anything else would match more than one run's resources. */
export const RUN_ID = /^[0-9a-f]{6}$/;

/**
 * Removes everything run `id` created on the shared stack: its stage processes if the run was killed
 * before stopping them, its topics `bench.<id>.*`, consumer groups `bench.<id>.*`, registry subjects
 * of those topics, Postgres schemas `bench_<id>` and `bench_<id>_*`, and Redis keys `bench:<id>:*`.
 * Groups of a killed member stay non-empty until its session times out, so their deletion is retried
 * for up to `groupWaitMs`.
 */
export async function cleanUpRun(
  endpoints: StackEndpoints,
  id: string,
  { groupWaitMs = 45_000 } = {},
): Promise<CleanUpReport> {
  if (!RUN_ID.test(id)) throw new Error(`not a run id: '${id}' (6 hex digits expected)`);
  const stagesEnded = await endOrphanedStages(id);
  const prefix = `bench.${id}.`;

  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: `bench-clean-up-${id}` });
  const admin = kafka.admin();
  await admin.connect();
  let groups = 0;
  let topics = 0;
  try {
    const deadline = Date.now() + groupWaitMs;
    for (;;) {
      const mine = (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(prefix));
      if (mine.length === 0) break;
      const results = await admin.deleteGroups(mine).catch((error: { groups?: { errorCode: number }[] }) => {
        return error.groups ?? [];
      });
      groups += results.filter((r) => r.errorCode === 0).length;
      if (Date.now() > deadline) break;
      await delay(1_000);
    }
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    topics = mine.length;
  } finally {
    await admin.disconnect();
  }

  // By name, not from `GET /subjects`: the registry caps that listing (Apicurio at 1,000), so on a
  // shared registry this run's subjects may not be in it.
  let subjects = 0;
  for (const subject of runSubjects(id)) {
    const url = `${endpoints.registryUrl}/subjects/${encodeURIComponent(subject)}`;
    // Soft delete first: the registry refuses a permanent delete of a subject that is not soft-deleted.
    const soft = await fetch(url, { method: 'DELETE' });
    await fetch(`${url}?permanent=true`, { method: 'DELETE' });
    if (soft.ok) subjects += 1;
  }

  const pool = new pg.Pool({ connectionString: endpoints.postgresUrl, max: 1 });
  let schemas = 0;
  try {
    const { rows } = await pool.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')",
      [`bench_${id}`],
    );
    for (const { nspname } of rows)
      await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(nspname)} CASCADE`);
    schemas = rows.length;
  } finally {
    await pool.end();
  }

  const redis = new Redis(endpoints.redisUrl, { lazyConnect: true });
  let keys = 0;
  try {
    await redis.connect();
    for await (const batch of redis.scanStream({ match: `bench:${id}:*`, count: 1_000 })) {
      const found = batch as string[];
      if (found.length > 0) keys += await redis.unlink(...found);
    }
  } finally {
    redis.disconnect();
  }
  return { stagesEnded, topics, groups, subjects, schemas, keys };
}
