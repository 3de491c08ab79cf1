import type { SpanContext, Tracer } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { ProjectionMetrics, StreamMetrics } from '../../infra/metrics/index.ts';
import { withRetry } from '../../infra/resilience/index.ts';
import {
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
  DB_SYSTEM_NAME_VALUE_REDIS,
  globalTracer,
  spanContextOfMessage,
  type TraceContextField,
} from '../../infra/telemetry/index.ts';
import { validateReading } from '../../processors/index.ts';
import type { DecodedEvent, EventCodec, TopicKey, TopicNames, TopicValue } from '../../schemas/index.ts';
import {
  batchMeter,
  type DeadLetter,
  type DeadLetterPublisher,
  deadLetterOf,
  decodeEvent,
  type EventDecoding,
  errorCodeOf,
  inBatchSpan,
  inSinkTransaction,
  type PartitionBatch,
  Poison,
  redrivenElsewhere,
  SINK_RETRY,
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
  const meter = batchMeter(deps.metrics, COMPONENT);
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

  // The registry is retried like a sink: a short outage should not fail the batch.
  const decodeRetried = (key: TopicKey, bytes: Buffer | null): Promise<DecodedEvent> =>
    withRetry(() => codec.decode(key, bytes), SINK_RETRY);

  /** Decoding for one batch: the topic's validator, and the event placed at its log position. */
  function decodingOf(partition: number): EventDecoding<TopicKey, DecodedEvent, Valid> {
    return {
      decode: decodeRetried,
      validate: (key, decoded, message) => {
        const validate = VALIDATORS[key] as ((v: TopicValue<TopicKey>) => TopicValue<TopicKey>) | undefined;
        const value = decoded.value as TopicValue<TopicKey>;
        const event = validate ? validate(value) : value;
        return {
          trace: spanContextOfMessage(
            message.headers,
            (event as { traceContext?: TraceContextField | null }).traceContext,
          ),
          event: { topic: key, event, partition, offset: message.offset } as ProjectionEvent<TopicKey>,
        };
      },
    };
  }

  async function deadLetter(key: TopicKey, letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0 || deps.deadLetters === undefined) return;
    await deps.deadLetters.publish(names.deadLetter(key), letters);
    meter.deadLetters(letters);
    for (const l of letters) {
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
    // Timed per projection from its write to the commit that makes it visible; a rolled-back
    // attempt records nothing.
    const timers = await inSinkTransaction(stores.pool, { sink }, async (client) => {
      const started: (() => void)[] = [];
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
          if (timer) started.push(timer);
          let state = projection.initial();
          for (const { event } of mine) state = projection.evolve(state, event);
          await inBatchSpan(
            tracer,
            {
              name: `project ${projection.name}`,
              destination: batch.topic,
              partition: batch.partition,
              messageCount: mine.length,
              traces: mine.map((e) => e.trace),
              attributes: {
                [ATTR_DB_SYSTEM_NAME]:
                  projection.store === 'redis' ? DB_SYSTEM_NAME_VALUE_REDIS : DB_SYSTEM_NAME_VALUE_POSTGRESQL,
                'eaio.projection': projection.name,
                'eaio.generation': generation.generation,
              },
            },
            () => write(client, projection, generation, state),
          );
        }
        await advanceOffsets(client, stores.schema, generation, [
          { topic: batch.topic, partition: batch.partition, nextOffset: next },
        ]);
      }
      return started;
    });
    for (const end of timers) end();
  }

  /** Projects one batch into `projections` (those handling its topic). */
  async function project(
    batch: PartitionBatch,
    projections: readonly AnyProjection[],
    at: PartitionFloor,
  ): Promise<BatchOutcome> {
    const key = names.keyOf(batch.topic);
    if (key === undefined) throw new Error(`No projection handles topic ${batch.topic}`);
    // A re-driven copy meant for other consumers: the projector handled the original; its offset still
    // moves past it with the batch.
    const pending = batch.messages.filter(
      (m) => BigInt(m.offset) >= at.min && !redrivenElsewhere(m.headers, COMPONENT),
    );
    const decoding = decodingOf(batch.partition);
    const decoded = await Promise.all(pending.map((m) => decodeEvent(decoding, key, m)));
    const events: Valid[] = [];
    const letters: DeadLetter[] = [];
    for (let i = 0; i < decoded.length; i += 1) {
      const outcome = decoded[i] as Valid | Poison;
      if (!(outcome instanceof Poison)) {
        events.push(outcome);
        continue;
      }
      const message = pending[i] as KafkaMessage;
      // Poison below the highest stored offset was dead-lettered when a projection first met it.
      if (BigInt(message.offset) >= at.max)
        letters.push(deadLetterOf(batch, message, outcome.error, outcome.stage, COMPONENT));
    }
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
    meter.batchSize(batch.topic, batch.messages.length);
    meter.consumed(batch.topic, pending.length);
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
