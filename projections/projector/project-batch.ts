import { type SpanContext, SpanKind, type Tracer } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { EaioError, isTransient } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { ProjectionMetrics, StreamMetrics } from '../../infra/metrics/index.ts';
import { withRetry } from '../../infra/resilience/index.ts';
import {
  ATTR_DB_SYSTEM_NAME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  batchSpanParentOf,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
  DB_SYSTEM_NAME_VALUE_REDIS,
  globalTracer,
  inSpan,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_SYSTEM_VALUE_KAFKA,
  spanContextOfMessage,
  type TraceContextField,
} from '../../infra/telemetry/index.ts';
import { validateReading } from '../../processors/index.ts';
import type { EventCodec, TopicKey, TopicNames, TopicValue } from '../../schemas/index.ts';
import {
  type DeadLetter,
  type DeadLetterPublisher,
  deadLetterOf,
  errorCodeOf,
  type PartitionBatch,
} from '../../stream-runtime/index.ts';
import { qualified, redisKeyspace } from '../generation-names.ts';
import type { AnyProjection, PostgresDdlContext, ProjectionEvent } from '../projection.ts';
import { type Generation, lockActiveGenerations, type ProjectionStores } from './generations.ts';
import { advanceOffsets, readPartitionOffsets } from './offsets.ts';

/**
 * Which generation of each projection a projector writes: the live projector the active one of
 * each (locked `FOR SHARE` per batch, so a switch cannot interleave), a rebuild one fixed
 * generation while it is still being built.
 */
export type GenerationTarget =
  | { readonly kind: 'active' }
  | { readonly kind: 'building'; readonly generation: number };

/** What one handled batch did; emitted so callers (tests, metrics, the CLI) can follow progress. */
export interface BatchOutcome {
  readonly topic: string;
  readonly partition: number;
  /** Valid events of the batch past the offsets of at least one projection. */
  readonly projected: number;
  readonly deadLettered: number;
  readonly lastOffset: string;
  /** Broker append times (ms) of the batch's messages, for event-to-projection latency. */
  readonly appendedAt: readonly number[];
}

/** Test-only hooks at the engine's critical points, e.g. to crash the process there. */
export interface ProjectorFailpoints {
  /** Called after a batch's Postgres transaction committed, before its Redis writes and its ack. */
  readonly afterCommit?: () => void;
}

/** What the engine needs for one batch; `target` says which generations it writes. */
export interface BatchProjectorDeps {
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly stores: ProjectionStores;
  readonly context: PostgresDdlContext;
  readonly logger: Logger;
  /** Where poison events go; a rebuild passes none, as the live projector dead-lettered them already. */
  readonly deadLetters?: DeadLetterPublisher;
  readonly target: GenerationTarget;
  readonly failpoints?: ProjectorFailpoints;
  /** Records consumed events, batch sizes and dead letters as component `projector`, and write latency per projection. */
  readonly metrics?: StreamMetrics & ProjectionMetrics;
  /**
   * Called with a batch's newly applied events once every store has committed them, e.g. to
   * invalidate cached answers. A failure is logged, not retried: the events are applied, and a
   * redelivered batch would find nothing left to apply.
   */
  readonly onApplied?: (events: readonly ProjectionEvent<TopicKey>[]) => Promise<void>;
  /** Makes the write spans (see `inTransaction`); the globally registered tracer by default. */
  readonly tracer?: Tracer;
}

/** The component name the projector's metrics carry. */
const COMPONENT = 'projector';

/** Topic-level checks an event must pass before any projection sees it; the rest are taken as decoded. */
const VALIDATORS: Partial<{ [K in TopicKey]: (value: TopicValue<K>) => TopicValue<K> }> = {
  sensorReadings: validateReading,
};

const SINK_RETRY = { attempts: 6, baseDelayMs: 100, maxDelayMs: 3_000 } as const;

function sinkUnavailable(error: unknown, sink: string): EaioError {
  if (error instanceof EaioError) return error;
  return new EaioError('SINK_UNAVAILABLE', 'transient', `${sink} write failed: ${(error as Error).message}`, {
    cause: error,
    context: { sink },
  });
}

/** Where the projections of one topic-partition stand before a batch, read without locks. */
export interface PartitionFloor {
  /** Lowest next offset over the projections: messages below it are applied everywhere. */
  readonly min: bigint;
  /** Highest next offset: poison messages below it were dead-lettered already. */
  readonly max: bigint;
}

interface Valid {
  readonly event: ProjectionEvent<TopicKey>;
  /** The producer's span context, from the message headers or else the event's `traceContext`. */
  readonly trace?: SpanContext | undefined;
}

/**
 * The projection engine for one batch of one partition: decode each message once, dead-letter the
 * poison ones, then fold the valid events into every projection that handles the topic and has not
 * applied them yet, writing each Postgres projection's rows and offsets in one transaction and each
 * Redis projection's keys before its offsets.
 */
export function createBatchProjector(deps: BatchProjectorDeps) {
  const { codec, names, stores, logger, target } = deps;
  const tracer = deps.tracer ?? globalTracer();
  const engineTable = (table: string) => qualified(stores.schema, table);

  async function currentGenerations(
    db: pg.Pool | pg.ClientBase,
    projections: readonly AnyProjection[],
    lock: boolean,
  ): Promise<Map<string, Generation>> {
    const projectionNames = projections.map((p) => p.name);
    if (target.kind === 'active') {
      if (lock) return lockActiveGenerations(db as pg.ClientBase, stores.schema, projectionNames);
      const { rows } = await db.query<{
        projection: string;
        generation: number;
        location: string;
        store: 'postgres' | 'redis';
      }>(
        `SELECT projection, generation, location, store FROM ${engineTable('projection_generations')}
          WHERE projection = ANY($1::text[]) AND status = 'active'`,
        [projectionNames],
      );
      return new Map(rows.map((r) => [r.projection, { ...r, status: 'active', fromTime: null }]));
    }
    // A generation being built stops taking writes the moment it is switched in: the live
    // projector owns it from then on.
    const { rows } = await db.query<{
      projection: string;
      generation: number;
      location: string;
      store: 'postgres' | 'redis';
    }>(
      `SELECT projection, generation, location, store FROM ${engineTable('projection_generations')}
        WHERE projection = ANY($1::text[]) AND generation = $2 AND status = 'building'
        ${lock ? 'FOR SHARE' : ''}`,
      [projectionNames, target.generation],
    );
    return new Map(rows.map((r) => [r.projection, { ...r, status: 'building', fromTime: null }]));
  }

  /** Lowest and highest stored next offset over the projections; 0 for one that has none. */
  async function floor(
    projections: readonly AnyProjection[],
    topic: string,
    partition: number,
  ): Promise<PartitionFloor> {
    const generations = [...(await currentGenerations(stores.pool, projections, false)).values()];
    const offsets = await readPartitionOffsets(stores.pool, stores.schema, generations, topic, partition);
    const all = projections.map((p) => offsets.get(p.name) ?? 0n);
    return {
      min: all.reduce((a, b) => (b < a ? b : a), all[0] ?? 0n),
      max: all.reduce((a, b) => (b > a ? b : a), 0n),
    };
  }

  async function decode(
    key: TopicKey,
    batch: PartitionBatch,
    message: KafkaMessage,
  ): Promise<{ ok: true; value: Valid } | { ok: false; letter: DeadLetter }> {
    const letter = (error: unknown, stage: string) => ({
      ok: false as const,
      letter: deadLetterOf(batch, message, error, stage),
    });
    let value: TopicValue<TopicKey>;
    try {
      value = (await withRetry(() => codec.decode(key, message.value), SINK_RETRY))
        .value as TopicValue<TopicKey>;
    } catch (error) {
      if (isTransient(error)) throw error;
      return letter(error, 'decode');
    }
    try {
      const validate = VALIDATORS[key] as ((v: TopicValue<TopicKey>) => TopicValue<TopicKey>) | undefined;
      const event = validate ? validate(value) : value;
      return {
        ok: true,
        value: {
          trace: spanContextOfMessage(
            message.headers,
            (event as { traceContext?: TraceContextField | null }).traceContext,
          ),
          event: {
            topic: key,
            event,
            partition: batch.partition,
            offset: message.offset,
          } as ProjectionEvent<TopicKey>,
        },
      };
    } catch (error) {
      return letter(error, 'validate');
    }
  }

  async function deadLetter(key: TopicKey, letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0 || deps.deadLetters === undefined) return;
    await deps.deadLetters.publish(names.deadLetter(key), letters);
    for (const l of letters) {
      deps.metrics?.countDeadLetter({
        topic: l.sourceTopic,
        stage: l.stage,
        code: errorCodeOf(l.error),
      });
      logger.warn(
        {
          topic: l.sourceTopic,
          partition: l.sourcePartition,
          offset: l.message.offset,
          stage: l.stage,
          // A poison event is an expected outcome, not a crash: its code and reason, no stack.
          code: errorCodeOf(l.error),
          reason: l.error instanceof Error ? l.error.message : String(l.error),
        },
        'event dead-lettered',
      );
    }
  }

  /**
   * One transaction over the projections of one store: lock their generations, read their offsets,
   * write what each has not applied yet, move their offsets past the batch. Each projection's write
   * is a CONSUMER span `project <name>`: a child of the events' trace when they carry one (so a
   * single reading's trace runs from its producer through this write), else a new trace linking
   * each event's context. A store may keep the active span's `traceparent` with what it wrote
   * (latest-readings does, for the MCP tool to link to).
   */
  async function inTransaction(
    projections: readonly AnyProjection[],
    batch: PartitionBatch,
    events: readonly Valid[],
    write: (
      client: pg.ClientBase,
      projection: AnyProjection,
      generation: Generation,
      state: unknown,
    ) => Promise<void>,
    sink: string,
  ): Promise<void> {
    if (projections.length === 0) return;
    const next = BigInt(batch.messages.at(-1)?.offset ?? '-1') + 1n;
    await withRetry(async () => {
      const client = await stores.pool.connect().catch((error: unknown) => {
        throw sinkUnavailable(error, 'postgres');
      });
      // Timed per projection from its write to the commit that makes it visible; a rolled-back
      // attempt records nothing.
      const timers: (() => void)[] = [];
      try {
        await client.query('BEGIN');
        const generations = await currentGenerations(client, projections, true);
        const offsets = await readPartitionOffsets(
          client,
          stores.schema,
          [...generations.values()],
          batch.topic,
          batch.partition,
        );
        for (const projection of projections) {
          const generation = generations.get(projection.name);
          if (generation === undefined) {
            if (target.kind === 'building') continue;
            throw new EaioError(
              'SINK_UNAVAILABLE',
              'transient',
              `projection ${projection.name} has no active generation`,
              { context: { projection: projection.name } },
            );
          }
          const from = offsets.get(projection.name) ?? 0n;
          if (next <= from) continue;
          const mine = events.filter((e) => BigInt(e.event.offset) >= from);
          if (mine.length > 0) {
            const timer = deps.metrics?.startProjectionWrite(projection.name, projection.store);
            if (timer) timers.push(timer);
            let state = projection.initial();
            for (const { event } of mine) state = projection.evolve(state, event);
            const { parent, links, droppedLinks } = batchSpanParentOf(mine.map((e) => e.trace));
            await inSpan(
              tracer,
              `project ${projection.name}`,
              {
                kind: SpanKind.CONSUMER,
                parent,
                links,
                attributes: {
                  [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_KAFKA,
                  [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
                  [ATTR_MESSAGING_OPERATION_NAME]: 'process',
                  [ATTR_MESSAGING_DESTINATION_NAME]: batch.topic,
                  [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(batch.partition),
                  [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: mine.length,
                  [ATTR_DB_SYSTEM_NAME]:
                    projection.store === 'redis'
                      ? DB_SYSTEM_NAME_VALUE_REDIS
                      : DB_SYSTEM_NAME_VALUE_POSTGRESQL,
                  'eaio.projection': projection.name,
                  'eaio.generation': generation.generation,
                  'eaio.trace.links_dropped': droppedLinks,
                },
              },
              () => write(client, projection, generation, state),
            );
          }
          await advanceOffsets(client, stores.schema, generation, [
            { topic: batch.topic, partition: batch.partition, nextOffset: next },
          ]);
        }
        await client.query('COMMIT');
        for (const end of timers) end();
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw sinkUnavailable(error, sink);
      } finally {
        client.release();
      }
    }, SINK_RETRY);
  }

  /** Projects one batch into `projections` (those handling its topic). */
  async function project(
    batch: PartitionBatch,
    projections: readonly AnyProjection[],
    at: PartitionFloor,
  ): Promise<BatchOutcome> {
    const key = names.keyOf(batch.topic);
    if (key === undefined) throw new Error(`No projection handles topic ${batch.topic}`);
    const pending = batch.messages.filter((m) => BigInt(m.offset) >= at.min);
    const decoded = await Promise.all(pending.map((m) => decode(key, batch, m)));
    const events = decoded.flatMap((d) => (d.ok ? [d.value] : []));
    const letters = decoded.flatMap((d) =>
      !d.ok && BigInt(d.letter.message.offset) >= at.max ? [d.letter] : [],
    );
    await deadLetter(key, letters);
    // Each step may take a while under load (retries included): keep the group membership alive.
    await batch.heartbeat();
    await inTransaction(
      projections.filter((p) => p.store === 'postgres'),
      batch,
      events,
      async (client, projection, generation, state) => {
        if (projection.store !== 'postgres') return;
        await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(generation.location)}, public`);
        await projection.apply(client, state, deps.context);
      },
      'postgres',
    );
    deps.failpoints?.afterCommit?.();
    await batch.heartbeat();
    // Redis cannot join the transaction: its writes are idempotent (compare-and-set by log
    // position), done while the generation row is locked, and its offsets stored after they succeeded.
    await inTransaction(
      projections.filter((p) => p.store === 'redis'),
      batch,
      events,
      async (_client, projection, generation, state) => {
        if (projection.store !== 'redis') return;
        await projection.apply(stores.redis, redisKeyspace(generation.location), state);
      },
      'redis',
    );
    deps.metrics?.observeBatchSize(COMPONENT, batch.topic, batch.messages.length);
    if (pending.length > 0) deps.metrics?.countConsumed(COMPONENT, batch.topic, pending.length);
    if (deps.onApplied && events.length > 0) {
      await deps
        .onApplied(events.map((e) => e.event))
        .catch((error: unknown) =>
          logger.warn(
            { topic: batch.topic, partition: batch.partition, err: error },
            'after-batch hook failed',
          ),
        );
    }
    return {
      topic: batch.topic,
      partition: batch.partition,
      projected: events.length,
      deadLettered: letters.length,
      lastOffset: batch.messages.at(-1)?.offset ?? '-1',
      appendedAt: batch.messages.map((m) => Number(m.timestamp)),
    };
  }

  return { floor, project };
}

/** The engine for one consumer: `floor` before a batch, `project` to apply it. */
export type BatchProjector = ReturnType<typeof createBatchProjector>;
