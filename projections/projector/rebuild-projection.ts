import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { EventCodec, TopicKey, TopicNames } from '../../schemas/index.ts';
import { activeGenerationKey, qualified } from '../generation-names.ts';
import type { AnyProjection } from '../projection.ts';
import { createProjector } from './create-projector.ts';
import {
  createGeneration,
  detectTimescale,
  dropGeneration,
  type Generation,
  pointReaderViews,
  readGenerations,
} from './generations.ts';
import { advanceOffsets, readGenerationOffsets, type StoredOffset } from './offsets.ts';

/** The clients a rebuild uses; `schema` is the main schema (engine tables, reader views). */
export interface RebuildDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly schema: string;
  readonly logger: Logger;
}

/** Up to the start high-water marks, then until at the live offsets, then the switch. */
export type RebuildPhase = 'replaying' | 'catching-up' | 'switching' | 'done';

export interface RebuildProgress {
  readonly phase: RebuildPhase;
  readonly generation: number;
  /** Messages read up to the high-water marks taken at the start. */
  readonly applied: number;
  readonly target: number;
}

export interface RebuildOptions {
  /**
   * Start from the first event at or after this time instead of the start of the log. The new
   * generation starts empty, so for Postgres it then holds only the events from that time on.
   */
  readonly fromDatetime?: Date;
  readonly onProgress?: (progress: RebuildProgress) => void;
  /**
   * Awaited once the new generation has caught up with the live one, before the switch is
   * attempted (e.g. to confirm, or in tests to let the live generation settle). The switch still
   * re-checks the offsets under its lock.
   */
  readonly beforeSwitch?: () => Promise<void>;
  /** Pause between catch-up checks. */
  readonly catchUpIntervalMs?: number;
}

export interface RebuildResult {
  readonly projection: string;
  readonly generation: number;
  /** The generation it replaced, kept (Postgres) or deleted (Redis); undefined on a first build. */
  readonly previous: number | undefined;
  /** Older generations dropped after the switch. */
  readonly dropped: readonly number[];
  readonly applied: number;
  readonly target: number;
}

/** The advisory lock that keeps two rebuilds of one projection apart (per schema and projection). */
const REBUILD_LOCK_CLASS = 0x4ea12;

interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
  next: bigint;
}

/** True when `candidate` has applied at least as far as `live` on every partition `live` has. */
function caughtUp(candidate: readonly StoredOffset[], live: readonly StoredOffset[]): boolean {
  const mine = new Map(candidate.map((o) => [`${o.topic}/${o.partition}`, o.nextOffset]));
  return live.every((o) => (mine.get(`${o.topic}/${o.partition}`) ?? 0n) >= o.nextOffset);
}

/**
 * Rebuilds a projection beside the live one (ARCHITECTURE 6, CONVENTIONS 4): creates generation
 * n+1, runs the same definition as an ordinary consumer that stops (a throwaway group positioned
 * at the start offsets, so nothing is shared with the live group) up to the high-water marks taken
 * at the start, catches up until its offsets reach the live generation's on every partition, then
 * switches in one transaction: both generation rows locked exclusively (live batches wait a moment),
 * offsets re-checked, n+1 marked active and n retired, the reader views repointed. The live
 * projector's next batch writes n+1 and skips what n+1 applied already. Queries keep reading the
 * views (or the Redis pointer) throughout.
 *
 * After the switch a Postgres projection keeps generation n (retired, frozen) for comparison or a
 * manual rollback and drops older ones; a Redis projection deletes n's keys, as memory is dear.
 * A second rebuild of the same projection is refused while one runs.
 */
export async function rebuildProjection(
  deps: RebuildDeps,
  projection: AnyProjection,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const { pool, schema, logger } = deps;
  const lockClient = await pool.connect();
  try {
    const { rows } = await lockClient.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
      [REBUILD_LOCK_CLASS, `${schema}.${projection.name}`],
    );
    if (rows[0]?.locked !== true) {
      throw new EaioError(
        'REBUILD_RUNNING',
        'permanent',
        `A rebuild of projection '${projection.name}' is already running; wait for it to finish (see \`eaio projections list\`).`,
        { context: { projection: projection.name } },
      );
    }
    return await rebuildLocked(deps, projection, options);
  } finally {
    await lockClient
      .query('SELECT pg_advisory_unlock($1, hashtext($2))', [
        REBUILD_LOCK_CLASS,
        `${schema}.${projection.name}`,
      ])
      .catch(() => undefined);
    lockClient.release();
    logger.debug({ projection: projection.name }, 'rebuild lock released');
  }
}

async function rebuildLocked(
  deps: RebuildDeps,
  projection: AnyProjection,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const { pool, redis, schema, names, logger } = deps;
  const stores = { pool, redis, schema };
  const context = await detectTimescale(pool);
  // A generation left 'building' by a rebuild that died is useless: its data is partial.
  for (const stale of (await readGenerations(pool, schema, [projection.name])).filter(
    (g) => g.status === 'building',
  ))
    await dropGeneration(stores, stale);
  const existing = await readGenerations(pool, schema, [projection.name]);
  const generation = Math.max(0, ...existing.map((g) => g.generation)) + 1;

  const topics = (projection.handles as readonly TopicKey[]).map((k) => names.topic(k));
  const ranges: PartitionRange[] = [];
  const admin = deps.kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const starts = options.fromDatetime
        ? await admin.fetchTopicOffsetsByTimestamp(topic, options.fromDatetime.getTime())
        : ends.map((p) => ({ partition: p.partition, offset: p.low }));
      for (const p of ends) {
        const start = BigInt(starts.find((s) => s.partition === p.partition)?.offset ?? p.low);
        ranges.push({ topic, partition: p.partition, start, end: BigInt(p.high), next: start });
      }
    }
  } finally {
    await admin.disconnect();
  }

  const client = await pool.connect();
  let building: Generation;
  try {
    await client.query('BEGIN');
    building = await createGeneration(client, schema, projection, {
      generation,
      status: 'building',
      context,
      ...(options.fromDatetime ? { fromTime: options.fromDatetime } : {}),
    });
    // Every partition gets its starting offset, so an empty range already counts as caught up.
    await advanceOffsets(
      client,
      schema,
      building,
      ranges.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: r.start })),
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  logger.info({ projection: projection.name, generation }, 'rebuild started');

  const target = ranges.reduce((sum, r) => sum + Number(r.end > r.start ? r.end - r.start : 0n), 0);
  const applied = () =>
    ranges.reduce(
      (sum, r) => sum + Number((r.next < r.end ? r.next : r.end) - (r.start < r.end ? r.start : r.end)),
      0,
    );
  const report = (phase: RebuildPhase) =>
    options.onProgress?.({ phase, generation, applied: applied(), target });

  const groupId = `${names.prefix}rebuild.${projection.name}.g${generation}.${randomBytes(3).toString('hex')}`;
  const groupAdmin = deps.kafka.admin();
  await groupAdmin.connect();
  let switched = false;
  let reachedEnd: () => void = () => undefined;
  const replayed = new Promise<void>((resolve) => {
    reachedEnd = resolve;
  });
  const checkEnd = () => {
    if (ranges.every((r) => r.next >= r.end)) reachedEnd();
  };
  try {
    // A fresh group of its own: nothing is shared with the live group and nothing is committed;
    // the projector seeks each partition to the generation's stored start offsets on its first batch.
    const consumer = deps.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    await consumer.connect();
    const subscription = createProjector({
      consumer,
      codec: deps.codec,
      names,
      pool,
      redis,
      schema,
      logger,
      projections: [projection],
      context,
      target: { kind: 'building', generation },
      onPosition: ({ topic, partition, next }) => {
        const r = ranges.find((x) => x.topic === topic && x.partition === partition);
        if (r !== undefined && next > r.next) r.next = next;
        report('replaying');
        checkEnd();
      },
    }).subscribe({ error: (error: unknown) => logger.error({ err: error }, 'rebuild consumer stopped') });
    try {
      report('replaying');
      checkEnd();
      await replayed;
      report('catching-up');
      let confirmed = options.beforeSwitch === undefined;
      for (;;) {
        const live = existing.find((g) => g.status === 'active');
        const liveOffsets = live ? await readGenerationOffsets(pool, schema, live) : [];
        const mine = await readGenerationOffsets(pool, schema, building);
        if (caughtUp(mine, liveOffsets)) {
          if (!confirmed) {
            await options.beforeSwitch?.();
            confirmed = true;
            continue;
          }
          report('switching');
          if (await trySwitch(pool, schema, projection, building)) break;
        }
        await delay(options.catchUpIntervalMs ?? 200);
      }
      switched = true;
    } finally {
      subscription.unsubscribe();
      await consumer.disconnect().catch(() => undefined);
    }
  } finally {
    await groupAdmin.deleteGroups([groupId]).catch(() => undefined);
    await groupAdmin.disconnect();
    if (!switched) await dropGeneration(stores, building).catch(() => undefined);
  }

  if (projection.store === 'redis') await redis.set(activeGenerationKey(projection.name), String(generation));
  const previous = existing.find((g) => g.status === 'active');
  // Postgres keeps the generation just replaced (frozen) and drops older ones; Redis keeps none.
  const keep = projection.store === 'postgres' ? previous?.generation : undefined;
  const dropped: number[] = [];
  for (const old of await readGenerations(pool, schema, [projection.name])) {
    if (old.status !== 'retired' || old.generation === keep) continue;
    await dropGeneration(stores, old);
    dropped.push(old.generation);
  }
  report('done');
  logger.info({ projection: projection.name, generation, dropped }, 'rebuild switched in');
  return {
    projection: projection.name,
    generation,
    previous: previous?.generation,
    dropped,
    applied: applied(),
    target,
  };
}

/**
 * The switch, in one transaction: lock the projection's generation rows exclusively (waiting for
 * live batches in flight, holding new ones back), re-check that the new generation is caught up,
 * retire the old one, activate the new one, repoint the views. False when the live generation moved
 * ahead meanwhile (the caller catches up and tries again).
 */
async function trySwitch(
  pool: pg.Pool,
  schema: string,
  projection: AnyProjection,
  building: Generation,
): Promise<boolean> {
  const client = await pool.connect();
  const generations = qualified(schema, 'projection_generations');
  try {
    await client.query('BEGIN');
    // A live batch holds its row only for one batch; do not queue behind something stuck.
    await client.query("SET LOCAL lock_timeout = '10s'");
    const { rows } = await client.query<{ generation: number; status: string }>(
      `SELECT generation, status FROM ${generations}
        WHERE projection = $1 AND (status = 'active' OR generation = $2) ORDER BY generation FOR UPDATE`,
      [projection.name, building.generation],
    );
    const live = rows.find((r) => r.status === 'active');
    const liveOffsets = live
      ? await readGenerationOffsets(client, schema, {
          projection: projection.name,
          generation: live.generation,
        })
      : [];
    if (!caughtUp(await readGenerationOffsets(client, schema, building), liveOffsets)) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query(
      `UPDATE ${generations} SET status = 'retired', retired_at = now() WHERE projection = $1 AND status = 'active'`,
      [projection.name],
    );
    await client.query(
      `UPDATE ${generations} SET status = 'active', activated_at = now() WHERE projection = $1 AND generation = $2`,
      [projection.name, building.generation],
    );
    await pointReaderViews(client, schema, projection, building.location);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    // lock_not_available: a live batch held the row past the timeout; try again after catching up.
    if ((error as { code?: string }).code === '55P03') return false;
    throw error;
  } finally {
    client.release();
  }
}
