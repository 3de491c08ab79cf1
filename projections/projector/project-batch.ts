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
  sinkUnavailable,
} from '../../stream-runtime/index.ts';
import { qualified, redisKeyspace } from '../generation-names.ts';
import type { AnyProjection, PostgresDdlContext, ProjectionEvent } from '../projection.ts';
import type { Generation, ProjectionStores } from './generations.ts';
import { advancePartitionOffsets } from './offsets.ts';

/** A generation with its stored next offset on the batch's topic-partition (absent: none yet). */
interface PositionedGeneration extends Generation {
  readonly nextOffset: bigint | undefined;
}

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
  /** Called after a batch's transaction (rows, Redis writes and offsets) committed, before its ack. */
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
  /** The generations written, as read for the floor (unlocked: the batch reads them again, locked). */
  readonly generations: ReadonlyMap<string, PositionedGeneration>;
}

interface Valid {
  readonly event: ProjectionEvent<TopicKey>;
  /** The producer's span context, from the message headers or else the event's `traceContext`. */
  readonly trace?: SpanContext | undefined;
}

/**
 * The projection engine for one batch of one partition: decode each message once, dead-letter the
 * poison ones, then fold the valid events into every projection that handles the topic and has not
 * applied them yet, writing every projection's rows (Postgres) and keys (Redis) and their offsets
 * in one transaction per batch.
 */
export function createBatchProjector(deps: BatchProjectorDeps) {
  const { codec, names, stores, logger, target } = deps;
  const tracer = deps.tracer ?? globalTracer();
  const meter = batchMeter(deps.metrics, COMPONENT);
  const engineTable = (table: string) => qualified(stores.schema, table);

  /**
   * The generations `projections` write (see {@link GenerationTarget}) with each one's stored next
   * offset on one topic-partition (absent: never applied there), in one round trip. With `lock`,
   * in the caller's transaction with each generation row locked `FOR SHARE`, so a switch (which
   * locks them exclusively) cannot interleave with the batch; a batch that waited for a switch
   * finds the old row retired and the new one not in its snapshot, so the read is repeated with a
   * fresh snapshot until every projection has its active row.
   */
  async function generationsAt(
    db: pg.Pool | pg.ClientBase,
    projections: readonly AnyProjection[],
    topic: string,
    partition: number,
    lock: boolean,
  ): Promise<Map<string, PositionedGeneration>> {
    const projectionNames = projections.map((p) => p.name);
    // A generation being built stops taking writes the moment it is switched in: the live
    // projector owns it from then on.
    const which =
      target.kind === 'active' ? "g.status = 'active'" : "g.status = 'building' AND g.generation = $4";
    const text = `SELECT g.projection, g.generation, g.status, g.store, g.location, o.next_offset
        FROM ${engineTable('projection_generations')} g
        LEFT JOIN ${engineTable('projection_offsets')} o
          ON o.projection = g.projection AND o.generation = g.generation AND o.topic = $2 AND o.partition = $3
       WHERE g.projection = ANY($1::text[]) AND ${which}
       ORDER BY g.projection ${lock ? 'FOR SHARE OF g' : ''}`;
    const values: unknown[] = [projectionNames, topic, partition];
    if (target.kind === 'building') values.push(target.generation);
    for (let attempt = 0; ; attempt++) {
      const { rows } = await db.query<{
        projection: string;
        generation: number;
        status: Generation['status'];
        store: 'postgres' | 'redis';
        location: string;
        next_offset: string | null;
      }>(text, values);
      const found = new Map(
        rows.map((r) => [
          r.projection,
          {
            projection: r.projection,
            generation: r.generation,
            status: r.status,
            store: r.store,
            location: r.location,
            fromTime: null,
            nextOffset: r.next_offset === null ? undefined : BigInt(r.next_offset),
          },
        ]),
      );
      if (!lock || target.kind === 'building' || found.size === projections.length || attempt >= 5)
        return found;
    }
  }

  /** Lowest and highest stored next offset over the projections; 0 for one that has none. */
  async function floor(
    projections: readonly AnyProjection[],
    topic: string,
    partition: number,
  ): Promise<PartitionFloor> {
    const generations = await generationsAt(stores.pool, projections, topic, partition, false);
    const all = projections.map((p) => generations.get(p.name)?.nextOffset ?? 0n);
    return {
      min: all.reduce((a, b) => (b < a ? b : a), all[0] ?? 0n),
      max: all.reduce((a, b) => (b > a ? b : a), 0n),
      generations,
    };
  }

  /**
   * {@link floor}'s `min` for several partitions of one topic in one round trip: per partition, the
   * lowest stored next offset over the projections (0 where one has none).
   */
  async function floors(
    projections: readonly AnyProjection[],
    topic: string,
    partitions: readonly number[],
  ): Promise<Map<number, bigint>> {
    const which =
      target.kind === 'active' ? "g.status = 'active'" : "g.status = 'building' AND g.generation = $4";
    const values: unknown[] = [projections.map((p) => p.name), topic, partitions];
    if (target.kind === 'building') values.push(target.generation);
    const { rows } = await stores.pool.query<{
      projection: string;
      partition: number;
      next_offset: string | null;
    }>(
      `SELECT g.projection, p.partition, o.next_offset
         FROM ${engineTable('projection_generations')} g
         CROSS JOIN unnest($3::int[]) AS p(partition)
         LEFT JOIN ${engineTable('projection_offsets')} o
           ON o.projection = g.projection AND o.generation = g.generation AND o.topic = $2 AND o.partition = p.partition
        WHERE g.projection = ANY($1::text[]) AND ${which}`,
      values,
    );
    const stored = new Map(rows.map((r) => [`${r.projection}/${r.partition}`, r.next_offset]));
    return new Map(
      partitions.map((partition) => {
        const all = projections.map((p) => BigInt(stored.get(`${p.name}/${partition}`) ?? 0));
        return [partition, all.reduce((a, b) => (b < a ? b : a), all[0] ?? 0n)];
      }),
    );
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
   * One transaction over every projection of the batch's topic, both stores: lock their
   * generations and read their offsets, write what each has not applied yet (Postgres rows in the
   * transaction, then Redis keys, idempotent by log position, while the generation rows are
   * locked), move every offset past the batch in one statement, commit. Redis cannot join the
   * transaction, but its offsets commit only after its writes succeeded: a failure anywhere rolls
   * the offsets back and the batch is done again, which the Redis writes' compare-and-set makes
   * harmless. One transaction and one commit per batch rather than one per store.
   *
   * Committed without waiting for the WAL flush (`synchronous_commit = off`): a Postgres crash may
   * lose the last commits, but rows and offsets are lost together (one transaction), so the
   * projector reads those events again from Kafka on restart (it positions itself from the stored
   * offsets, not the group's) and re-applies them; the Redis writes of a lost commit are re-applied
   * as well, and their compare-and-set on the log position makes that a no-op. What is not lost is
   * never applied twice, so exactly-once into the read models holds; only the acknowledgement of a
   * batch may run ahead of its durability, and the Kafka commit is kept for lag monitoring only.
   *
   * Each projection's write is a CONSUMER span `project <name>`: a child of the events' trace when
   * they carry one (so a single reading's trace runs from its producer through this write), else a
   * new trace linking each event's context. A store may keep the active span's `traceparent` with
   * what it wrote (latest-readings does, for the MCP tool to link to).
   */
  async function inTransaction(
    projections: readonly AnyProjection[],
    batch: PartitionBatch,
    events: readonly Valid[],
    at: PartitionFloor,
  ): Promise<'applied' | 'went-back'> {
    if (projections.length === 0) return 'applied';
    const next = BigInt(batch.messages.at(-1)?.offset ?? '-1') + 1n;
    // Postgres rows first, so the Redis round trips come last in the transaction.
    const ordered = [
      ...projections.filter((p) => p.store === 'postgres'),
      ...projections.filter((p) => p.store === 'redis'),
    ];
    // Timed per projection from its write to the commit that makes it visible; a rolled-back
    // attempt records nothing.
    const timers = await inSinkTransaction(
      stores.pool,
      { sink: 'postgres', synchronousCommit: false },
      async (client): Promise<(() => void)[] | 'went-back'> => {
        const started: (() => void)[] = [];
        const generations = await generationsAt(client, ordered, batch.topic, batch.partition, true);
        if (wentBackSince(at, generations)) return 'went-back';
        const advanced: Generation[] = [];
        for (const projection of ordered) {
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
          const from = generation.nextOffset ?? 0n;
          if (next <= from) continue;
          advanced.push(generation);
          const mine = events.filter((e) => BigInt(e.event.offset) >= from);
          if (mine.length === 0) continue;
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
        await advancePartitionOffsets(client, stores.schema, advanced, batch.topic, batch.partition, next);
        return started;
      },
    );
    if (timers === 'went-back') return 'went-back';
    for (const end of timers) end();
    return 'applied';
  }

  /**
   * True when a generation's stored offset, read locked for the batch, is below what the floor read
   * for the same generation before it: the offsets were moved back in between (a lost Redis reset,
   * a rewind, a Postgres crash that lost the last commits). The batch was decoded from the old
   * floor, so the events between the new offset and the batch's first message are not in it;
   * applying it would move the offset past them. Not for a rebuild, whose offsets only go forward.
   */
  function wentBackSince(at: PartitionFloor, locked: ReadonlyMap<string, PositionedGeneration>): boolean {
    if (target.kind !== 'active') return false;
    for (const [name, now] of locked) {
      const before = at.generations.get(name);
      if (before === undefined || before.generation !== now.generation) continue;
      if ((now.nextOffset ?? 0n) < (before.nextOffset ?? 0n)) return true;
    }
    return false;
  }

  /**
   * Runs the `prepare` DDL of each Postgres projection for the events it has not applied yet, before
   * and outside the batch's transaction (see `PostgresProjection`).
   */
  async function prepare(
    projections: readonly AnyProjection[],
    at: PartitionFloor,
    events: readonly Valid[],
  ): Promise<void> {
    for (const projection of projections) {
      if (projection.store !== 'postgres' || projection.prepare === undefined) continue;
      const generation = at.generations.get(projection.name);
      if (generation === undefined) continue;
      const from = generation.nextOffset ?? 0n;
      const mine = events.filter((e) => BigInt(e.event.offset) >= from).map((e) => e.event);
      if (mine.length === 0) continue;
      await withRetry(
        () => projection.prepare?.(stores.pool, generation.location, mine, deps.context) ?? Promise.resolve(),
        SINK_RETRY,
      ).catch((error: unknown) => {
        throw sinkUnavailable(error, 'postgres', { projection: projection.name });
      });
    }
  }

  /** Writes one projection's change set into its generation. */
  async function write(
    client: pg.ClientBase,
    projection: AnyProjection,
    generation: Generation,
    state: unknown,
  ): Promise<void> {
    if (projection.store === 'postgres') {
      await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(generation.location)}, public`);
      await projection.apply(client, state, deps.context);
      return;
    }
    await projection
      .apply(stores.redis, redisKeyspace(generation.location), state)
      .catch((error: unknown) => {
        throw sinkUnavailable(error, 'redis', { projection: projection.name });
      });
  }

  /**
   * Projects one batch into `projections` (those handling its topic). Undefined when nothing was
   * applied because the stored offsets went back after `at` was read (see `wentBackSince`): the
   * caller seeks the partition to the new floor and the events come again from there.
   */
  async function project(
    batch: PartitionBatch,
    projections: readonly AnyProjection[],
    at: PartitionFloor,
  ): Promise<BatchOutcome | undefined> {
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
    await prepare(projections, at, events);
    if ((await inTransaction(projections, batch, events, at)) === 'went-back') return undefined;
    deps.failpoints?.afterCommit?.();
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

  return { floor, floors, project };
}

/** The engine for one consumer: `floor` before a batch (`floors` for several idle partitions), `project` to apply it. */
export type BatchProjector = ReturnType<typeof createBatchProjector>;
