import type { Redis } from 'ioredis';
import type { Consumer } from 'kafkajs';
import type pg from 'pg';
import { catchError, defer, EMPTY, exhaustMap, ignoreElements, interval, merge, type Observable } from 'rxjs';
import type { WriteStatus } from '../../infra/health/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { ProjectionMetrics, StreamMetrics } from '../../infra/metrics/index.ts';
import type { EventCodec, TopicKey, TopicNames } from '../../schemas/index.ts';
import {
  type DeadLetterPublisher,
  handleEachBatch,
  kafkaBatches,
  logRestarts,
  type PartitionBatch,
  sinkUnavailable,
} from '../../stream-runtime/index.ts';
import type { AnyProjection, PostgresDdlContext, ProjectionEvent } from '../projection.ts';
import { redisProjectionsLost, resetLostRedisProjections } from './lost-redis.ts';
import {
  type BatchOutcome,
  createBatchProjector,
  type GenerationTarget,
  type ProjectorFailpoints,
} from './project-batch.ts';

/** What a projector needs: its consumer, the codec, the stores and the definitions it hosts. */
export interface ProjectorDeps {
  readonly consumer: Consumer;
  readonly codec: EventCodec;
  /** Where poison events go; none for a rebuild (the live projector dead-letters them). */
  readonly deadLetters?: DeadLetterPublisher;
  readonly names: TopicNames;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  /** The main schema: the engine's tables and the reader views. */
  readonly schema: string;
  readonly logger: Logger;
  /** The definitions to run (the catalogue for the live projector, one for a rebuild). */
  readonly projections: readonly AnyProjection[];
  /** Detected once by `ensureProjections`. */
  readonly context: PostgresDdlContext;
  /** The active generations (live, the default) or one generation being built. */
  readonly target?: GenerationTarget;
  /** How far the consumer has read each partition, transaction markers included. */
  readonly onPosition?: (position: ConsumedPosition) => void;
  readonly failpoints?: ProjectorFailpoints;
  /** Consumed events, batch sizes and dead letters (component `projector`) and write latency per projection. */
  readonly metrics?: StreamMetrics & ProjectionMetrics;
  /**
   * After each batch's writes have committed in every store, with the events newly applied, e.g.
   * `(events) => cache.invalidateTags(tagsToInvalidate(events))`. Failures are logged.
   */
  readonly afterBatch?: (events: readonly ProjectionEvent<TopicKey>[]) => Promise<void>;
  /** Told each batch's outcome, for a health check that a full or refusing store fails (`writeStatusCheck`). */
  readonly writes?: Pick<WriteStatus, 'succeeded' | 'failed'>;
  /** How often the live projector audits the stored offsets of its idle partitions; {@link OFFSET_AUDIT_INTERVAL_MS} by default. */
  readonly offsetAuditIntervalMs?: number;
}

/** How far the projector has read a partition: `next` is the next offset it will read. */
export interface ConsumedPosition {
  readonly topic: string;
  readonly partition: number;
  readonly next: bigint;
}

/**
 * Partition batches projected at once. Each partition stays in order (kafkajs hands a partition
 * its next batch only once the previous one is acknowledged), and different partitions touch
 * different rows (topics are keyed), so their transactions do not wait on each other; the waits on
 * Postgres and Redis of one batch overlap with the work of the others.
 */
export const PARTITIONS_PROJECTED_AT_ONCE = 4;

/**
 * How often the live projector compares the stored offsets of the partitions it holds and is not
 * handling a batch of with where it reads them from. A partition that gets no new message gets no
 * batch to notice a lost commit: only this audit brings its events back (see `createProjector`).
 */
export const OFFSET_AUDIT_INTERVAL_MS = 5_000;

/**
 * The projector: one consumer hosting many projections. Each message is decoded once and fanned
 * out to the projections that handle its topic; per partition batch their rows and offsets commit
 * together (see `createBatchProjector`), and only then is the batch acknowledged (the Kafka commit
 * is kept for lag monitoring only). Positions come from `projection_offsets`: on the first batch of
 * a partition after each assignment the consumer seeks to the lowest stored offset of the
 * projections handling it (the start of the log for one that has none), so it resumes from its own
 * table whatever the group committed.
 *
 * The live projector also seeks back when the stored offsets fall below what it applied itself: a
 * PostgreSQL crash may lose the last commits (made without waiting for the WAL flush), and a Redis
 * projection is reset when Redis lost its data (its active pointer is absent, see `lost-redis.ts`);
 * either way the events from there are applied again. A batch notices that on its own partition;
 * a partition that gets no new message is caught by an audit every `offsetAuditIntervalMs` (one
 * query per topic), which also seeks the partitions no batch has positioned since the assignment to
 * their stored offsets: without it, events whose commit a crash lost stay missing until their
 * partition gets a new message, possibly never.
 */
export function createProjector(deps: ProjectorDeps): Observable<BatchOutcome> {
  const { consumer, names, logger } = deps;
  const byTopic = new Map<string, AnyProjection[]>();
  for (const projection of deps.projections) {
    for (const key of projection.handles as readonly TopicKey[]) {
      const topic = names.topic(key);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), projection]);
    }
  }
  const stores = { pool: deps.pool, redis: deps.redis, schema: deps.schema };
  // A rebuild writes a generation being built, whose offsets only go forward and which no reader uses.
  const live = (deps.target ?? { kind: 'active' }).kind === 'active';
  const engine = createBatchProjector({
    codec: deps.codec,
    names,
    stores,
    context: deps.context,
    logger,
    target: deps.target ?? { kind: 'active' },
    ...(deps.deadLetters ? { deadLetters: deps.deadLetters } : {}),
    ...(deps.failpoints ? { failpoints: deps.failpoints } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.afterBatch ? { onApplied: deps.afterBatch } : {}),
  });

  // Partitions positioned since the last assignment; a rebalance may hand any partition back with
  // the group's committed offset, which lags the stored ones when a projection is new or reset.
  const positioned = new Set<string>();
  // Batches dropped for a seek: their end-of-batch event reports no progress.
  const seeking = new Set<string>();
  // Per partition, the next offset this member applied up to: stored offsets below it went back.
  const appliedUpTo = new Map<string, bigint>();
  // Per partition not applied to since, where this member last sought it: stored offsets below it went back too.
  const sought = new Map<string, bigint>();
  // Partitions with a batch being handled: the batch checks its own offsets, the audit leaves them alone.
  const inHand = new Set<string>();
  // The partitions this member holds, to seek idle ones back too when Redis lost a projection.
  let assignment: Readonly<Record<string, readonly number[]>> = {};
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    positioned.clear();
    appliedUpTo.clear();
    sought.clear();
    assignment = payload.memberAssignment;
  });
  // One reset at a time in this process: batches of several partitions may find the pointer absent at once.
  let resetting: Promise<unknown> = Promise.resolve();
  const { onPosition } = deps;
  if (onPosition) {
    // Batch events, not outcomes: they also report batches of transaction markers alone, which
    // carry no event but still move the position towards the high-water mark.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const id = `${payload.topic}/${payload.partition}`;
      if (seeking.delete(id)) return;
      onPosition({
        topic: payload.topic,
        partition: payload.partition,
        next: BigInt(payload.lastOffset) + 1n,
      });
    });
  }

  /** Seeks `batch`'s partition to its stored floor now; the batch in hand is dropped. */
  async function seekBack(batch: PartitionBatch, projections: readonly AnyProjection[]): Promise<undefined> {
    const id = `${batch.topic}/${batch.partition}`;
    const at = await engine.floor(projections, batch.topic, batch.partition);
    // Unpositioned: a batch fetched before the seek finds its first offset off the floor and seeks again.
    positioned.delete(id);
    appliedUpTo.delete(id);
    sought.set(id, at.min);
    seeking.add(id);
    consumer.seek({ topic: batch.topic, partition: batch.partition, offset: at.min.toString() });
    return undefined;
  }

  /**
   * Resets the batch's Redis projections that Redis lost (see `lost-redis.ts`) and seeks every
   * partition of their topics this member holds back to the stored floor, idle ones included (a
   * partition without new messages gets no batch to notice it). True when the batch in hand is to
   * be dropped.
   */
  async function refoldLostRedis(
    batch: PartitionBatch,
    projections: readonly AnyProjection[],
  ): Promise<boolean> {
    // Before the batch's writes, so none lands on an emptied Redis as if it held the rest.
    const lost = await redisProjectionsLost(stores, projections).catch((error: unknown) => {
      throw sinkUnavailable(error, 'redis');
    });
    if (lost.length === 0) return false;
    const run = resetting.then(() => resetLostRedisProjections(stores, lost, logger));
    resetting = run.catch(() => undefined);
    const reset = await run;
    if (reset.length === 0) return false;
    for (const [topic, ps] of byTopic) {
      if (!ps.some((p) => reset.includes(p.name))) continue;
      for (const partition of assignment[topic] ?? []) {
        const id = `${topic}/${partition}`;
        const at = await engine.floor(ps, topic, partition);
        positioned.delete(id);
        appliedUpTo.delete(id);
        sought.set(id, at.min);
        consumer.seek({ topic, partition, offset: at.min.toString() });
      }
    }
    seeking.add(`${batch.topic}/${batch.partition}`);
    return true;
  }

  async function handle(batch: PartitionBatch): Promise<BatchOutcome | undefined> {
    const projections = byTopic.get(batch.topic) ?? [];
    if (live && (await refoldLostRedis(batch, projections))) return undefined;
    const at = await engine.floor(projections, batch.topic, batch.partition);
    const id = `${batch.topic}/${batch.partition}`;
    const first = BigInt(batch.messages[0]?.offset ?? '0');
    const applied = appliedUpTo.get(id);
    if (live && applied !== undefined && at.min < applied) {
      logger.warn(
        { topic: batch.topic, partition: batch.partition, applied: String(applied), stored: String(at.min) },
        'stored offsets went back (lost commits, a reset or rewound read model): applying again from there',
      );
      positioned.delete(id);
    }
    if (!positioned.has(id)) {
      positioned.add(id);
      appliedUpTo.delete(id);
      // Seeking once per assignment: a gap left by compaction makes `first` differ from the stored
      // offset for good, and the batch fetched after the seek is then handled as it is.
      if (first !== at.min) {
        logger.info(
          { topic: batch.topic, partition: batch.partition, from: String(at.min) },
          'seeking to stored offset',
        );
        seeking.add(id);
        sought.set(id, at.min);
        consumer.seek({ topic: batch.topic, partition: batch.partition, offset: at.min.toString() });
        // Acknowledged all the same: after a seek kafkajs marks the batch stale, so the ack commits nothing.
        return undefined;
      }
    }
    const outcome = await engine.project(batch, projections, at);
    if (outcome === undefined) {
      logger.warn(
        { topic: batch.topic, partition: batch.partition },
        'stored offsets went back during the batch: seeking to them',
      );
      return seekBack(batch, projections);
    }
    appliedUpTo.set(id, BigInt(outcome.lastOffset) + 1n);
    sought.delete(id);
    return outcome;
  }

  /** Handles a batch with its partition marked in hand, so the audit leaves it alone meanwhile. */
  async function handleInHand(batch: PartitionBatch): Promise<BatchOutcome | undefined> {
    const id = `${batch.topic}/${batch.partition}`;
    inHand.add(id);
    try {
      return await handle(batch);
    } finally {
      inHand.delete(id);
    }
  }

  /**
   * Seeks back each held partition with no batch in hand whose stored offsets fell below where this
   * member applied or sought it (lost commits, a reset or a rewind), and seeks each one it neither
   * applied nor sought since the assignment to its stored offsets (the group's committed offset
   * it reads from otherwise may be past them). A seek leaves the partition unpositioned, so the
   * batch it brings is checked again as the first of an assignment.
   */
  async function auditStoredOffsets(): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      const projections = byTopic.get(topic);
      if (projections === undefined) continue;
      const idle = partitions.filter((partition) => !inHand.has(`${topic}/${partition}`));
      if (idle.length === 0) continue;
      const expected = new Map(idle.map((partition) => [partition, expectedNext(`${topic}/${partition}`)]));
      const floors = await engine.floors(projections, topic, idle);
      for (const [partition, floor] of floors) {
        const id = `${topic}/${partition}`;
        const before = expected.get(partition);
        // A batch began or ended while the floors were read: it checked, or will check, for itself.
        if (inHand.has(id) || expectedNext(id) !== before) continue;
        if (before !== undefined && floor >= before) continue;
        if (before !== undefined)
          logger.warn(
            { topic, partition, applied: String(before), stored: String(floor) },
            'stored offsets of an idle partition went back (lost commits, a reset or rewound read model): applying again from there',
          );
        positioned.delete(id);
        appliedUpTo.delete(id);
        sought.set(id, floor);
        consumer.seek({ topic, partition, offset: floor.toString() });
      }
    }
  }

  function expectedNext(id: string): bigint | undefined {
    return appliedUpTo.get(id) ?? sought.get(id);
  }

  const batches = kafkaBatches(consumer, {
    topics: [...byTopic.keys()],
    partitionsConsumedConcurrently: PARTITIONS_PROJECTED_AT_ONCE,
    onRestart: logRestarts(logger, { consumer: 'projector' }),
  }).pipe(
    handleEachBatch(handleInHand, {
      logger,
      concurrency: PARTITIONS_PROJECTED_AT_ONCE,
      logFields: (batch) => ({ topic: batch.topic, partition: batch.partition }),
      ...(deps.writes
        ? { onHandled: () => deps.writes?.succeeded(), onFailed: (_, error) => deps.writes?.failed(error) }
        : {}),
    }),
  );
  if (!live) return batches;
  // One audit at a time; a failed one (PostgreSQL down, the consumer between two runs) waits for the next.
  const audits = interval(deps.offsetAuditIntervalMs ?? OFFSET_AUDIT_INTERVAL_MS).pipe(
    exhaustMap(() =>
      defer(auditStoredOffsets).pipe(
        catchError((error: unknown) => {
          logger.debug({ err: error }, 'offset audit failed; trying again at the next one');
          return EMPTY;
        }),
      ),
    ),
    ignoreElements(),
  );
  return merge(batches, audits);
}
