import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  type Admin,
  type Consumer,
  type Kafka,
  type KafkaMessage,
  type Message,
  PartitionAssigners,
  type Producer,
} from 'kafkajs';
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  map,
  merge,
  type OperatorFunction,
  Subject,
  type Subscription,
} from 'rxjs';
import { EaioError, isTransient } from '../../infra/errors/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { StreamMetrics } from '../../infra/metrics/index.ts';
import type { OperationRecorder } from '../../infra/operations/index.ts';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  batchSpanParent,
  globalTracer,
  injectTraceHeaders,
  inSpan,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_SYSTEM_VALUE_KAFKA,
  type TraceContextField,
  withTraceContextField,
} from '../../infra/telemetry/index.ts';
import type { EventCodec, TOPICS, TopicKey, TopicNames, TopicValue } from '../../schemas/index.ts';
import {
  DEAD_LETTER_HEADERS,
  type DeadLetter,
  deadLetterOf,
  errorCodeOf,
  kafkaBatches,
  type PartitionBatch,
  sendInChunks,
  toDeadLetterMessage,
} from '../../stream-runtime/index.ts';
import { coPartitionedAssigner } from './co-partitioned-assigner.ts';
import { compareTablePositions, nextStreamInput, type StreamHead, tableIsDue } from './merge-order.ts';
import { startTableReader, type TableEvent, type TableReader } from './table-reader.ts';

/**
 * A stream processor as data: a pure RxJS operator from one topic's events to another's. The
 * runtime does the rest: decode, validate, dead letters, encode, produce and commit, all in one
 * Kafka transaction per batch.
 */
export interface ProcessorDefinition<I extends TopicKey, O extends TopicKey> {
  /** Names the consumer group (`<prefix><name>`) and the transactional ids. */
  readonly name: string;
  readonly input: I;
  readonly output: O;
  /**
   * A fresh operator per input partition. State is partition-local (topics are keyed, so a
   * meter's events share a partition), which makes the output independent of how partitions
   * interleave: a replay yields the same derived events. The operator must emit synchronously.
   */
  readonly operator: () => OperatorFunction<TopicValue<I>, TopicValue<O>>;
  /** Message key of an output event, e.g. its meter id. */
  readonly outputKey: (event: TopicValue<O>) => string;
  /** Rejects an input event before the operator sees it (poison: dead-lettered). */
  readonly validate?: (event: TopicValue<I>) => TopicValue<I>;
}

/** An input event as a multi-input operator sees it: the record type and the decoded value. */
export type InputEvent<K extends TopicKey> = K extends TopicKey
  ? { readonly type: (typeof TOPICS)[K]['valueType']; readonly value: TopicValue<K> }
  : never;

/** Per-input validators of a multi-input processor; a throw makes the event poison (dead-lettered). */
export type InputValidators<K extends TopicKey> = {
  readonly [P in K]?: (event: TopicValue<P>) => TopicValue<P>;
};

/**
 * A processor over several inputs: co-partitioned stream inputs (same partition count, same key)
 * merged per partition number, plus global tables every instance reads in full. The merge order is
 * defined in `merge-order.ts`: event time across inputs, each input's log order kept, table events
 * just before the first stream event at or after their event time.
 */
export interface MultiInputProcessorDefinition<S extends TopicKey, T extends TopicKey, O extends TopicKey> {
  /** Names the consumer group (`<prefix><name>`) and the transactional ids. */
  readonly name: string;
  /** Co-partitioned stream inputs, in tie-break order (on equal event times the first wins). */
  readonly inputs: readonly [S, ...S[]];
  /** Compacted topics read entirely by every instance and fed to every partition number's operator. */
  readonly tables?: readonly T[];
  readonly output: O;
  /** A fresh operator per partition number; it must emit synchronously. */
  readonly operator: () => OperatorFunction<InputEvent<S | T>, TopicValue<O>>;
  /** Message key of an output event. */
  readonly outputKey: (event: TopicValue<O>) => string;
  readonly validate?: InputValidators<S | T>;
}

export interface ProcessorDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  readonly sessionTimeoutMs?: number;
  /** Counts consumed, produced and dead-lettered events as component `processor:<name>`; none by default. */
  readonly metrics?: StreamMetrics;
  /** Records each batch as an operation `processor.batch:<name>` on the telemetry topic; none by default. */
  readonly operations?: OperationRecorder;
  /**
   * Makes one CONSUMER span per committed batch (see `drainAndCommit`); the globally registered
   * tracer (a no-op while tracing is off) by default.
   */
  readonly tracer?: Tracer;
}

export interface RunningProcessor {
  readonly groupId: string;
  stop(): Promise<void>;
}

/** What the runtime needs of a definition, with the per-topic types erased. */
interface RuntimeDefinition {
  readonly name: string;
  readonly inputs: readonly TopicKey[];
  readonly tables: readonly TopicKey[];
  readonly output: TopicKey;
  readonly operator: () => OperatorFunction<RuntimeInput, unknown>;
  readonly outputKey: (event: unknown) => string;
  readonly validate: (key: TopicKey, event: unknown) => unknown;
  /** Whether events must carry a valid event time (they are merged by it). */
  readonly merged: boolean;
}

interface RuntimeInput {
  readonly type: string;
  readonly value: unknown;
}

interface Buffered {
  readonly message: KafkaMessage;
  readonly offset: bigint;
  readonly input?: RuntimeInput;
  readonly occurredAt: number;
  readonly poison?: { readonly error: unknown; readonly stage: string };
}

interface Cursor {
  readonly key: TopicKey;
  readonly topic: string;
  readonly buffer: Buffered[];
  /** Next offset not yet fed to the operator: what the transaction commits. */
  position: bigint;
  /** Position last committed. */
  committed: bigint;
  /** Next offset not yet received from the log. */
  seen: bigint;
  /** The log end as last known. */
  end: bigint;
}

interface OperatorRun {
  readonly input: Subject<RuntimeInput>;
  readonly emitted: unknown[];
  readonly subscription: Subscription;
  failure: unknown;
}

/** One partition number: its operator, its inputs' cursors and the table events not yet fed. */
interface PartitionRun {
  readonly partition: number;
  operator: OperatorRun;
  readonly cursors: readonly Cursor[];
  /** Index of the next table-reader event to take into `pendingTable`. */
  tableNext: number;
  /** Table events taken but not yet due, in merge order. */
  readonly pendingTable: TableEvent[];
}

/** Why the operator failed, and on what. */
type OperatorFailure =
  | { readonly on: 'stream'; readonly cursor: Cursor; readonly entry: Buffered; readonly error: unknown }
  | { readonly on: 'table'; readonly event: TableEvent; readonly error: unknown };

/** What one committed transaction held, for metrics and telemetry. */
interface Committed {
  readonly produced: number;
  readonly deadLettered: number;
}

const NOTHING_COMMITTED: Committed = { produced: 0, deadLettered: 0 };

/** Stage recorded on dead letters of events the operator itself failed on. */
const processStage = (name: string): string => `process:${name}`;

function invalidTime(key: TopicKey): EaioError {
  return new EaioError(
    'EVENT_INVALID',
    'poison',
    `Event on ${key} has no valid occurredAt; a merged input needs one to be ordered`,
  );
}

function fromSingleInput<I extends TopicKey, O extends TopicKey>(
  definition: ProcessorDefinition<I, O>,
): RuntimeDefinition {
  return {
    name: definition.name,
    inputs: [definition.input],
    tables: [],
    output: definition.output,
    operator: () => (source) =>
      source.pipe(
        map((event) => event.value as TopicValue<I>),
        definition.operator(),
      ),
    outputKey: (event) => definition.outputKey(event as TopicValue<O>),
    validate: (_key, event) => (definition.validate ? definition.validate(event as TopicValue<I>) : event),
    merged: false,
  };
}

function fromMultiInput<S extends TopicKey, T extends TopicKey, O extends TopicKey>(
  definition: MultiInputProcessorDefinition<S, T, O>,
): RuntimeDefinition {
  const validators = (definition.validate ?? {}) as Partial<Record<TopicKey, (event: unknown) => unknown>>;
  return {
    name: definition.name,
    inputs: definition.inputs,
    tables: definition.tables ?? [],
    output: definition.output,
    // The runtime builds each input from the codec's decoding of its own topic, so the shapes match.
    operator: definition.operator as unknown as () => OperatorFunction<RuntimeInput, unknown>,
    outputKey: (event) => definition.outputKey(event as TopicValue<O>),
    validate: (key, event) => validators[key]?.(event) ?? event,
    merged: true,
  };
}

const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * Runs a processor until stopped: a single-input {@link ProcessorDefinition} or a
 * {@link MultiInputProcessorDefinition}.
 *
 * Exactly-once into the output topic: per partition number, the operator's outputs, the dead letters
 * and the offsets of every input topic-partition of that number are committed in one transaction of
 * one transactional producer (`<group>.<first input topic>.<n>`), so a restarted or rebalanced
 * instance fences the old one. Partition number n of every input is assigned to the same member.
 *
 * Operator state is not stored: when a partition number is first seen, its state is rebuilt by
 * replaying its inputs' logs up to the committed offsets through the same merge as live (see
 * `merge-order.ts` for the order and where live and replay can differ), with outputs discarded.
 * Stream events are held in memory, acknowledged to kafkajs but not committed, while the merge waits
 * for another input that is behind; a failure throws the partition number's state and buffers away
 * and the batch is redelivered from the committed offsets.
 */
export async function runProcessor<I extends TopicKey, O extends TopicKey>(
  deps: ProcessorDeps,
  definition: ProcessorDefinition<I, O>,
): Promise<RunningProcessor>;
export async function runProcessor<S extends TopicKey, T extends TopicKey, O extends TopicKey>(
  deps: ProcessorDeps,
  definition: MultiInputProcessorDefinition<S, T, O>,
): Promise<RunningProcessor>;
export async function runProcessor(
  deps: ProcessorDeps,
  definition:
    | ProcessorDefinition<TopicKey, TopicKey>
    | MultiInputProcessorDefinition<TopicKey, TopicKey, TopicKey>,
): Promise<RunningProcessor> {
  return run(deps, 'inputs' in definition ? fromMultiInput(definition) : fromSingleInput(definition));
}

async function run(deps: ProcessorDeps, definition: RuntimeDefinition): Promise<RunningProcessor> {
  const { kafka, codec, names, logger } = deps;
  const groupId = `${names.prefix}${definition.name}`;
  const inputTopics = definition.inputs.map((key) => names.topic(key));
  const firstTopic = inputTopics[0] as string;
  const sessionTimeout = deps.sessionTimeoutMs ?? 30_000;
  const stage = processStage(definition.name);
  const component = `processor:${definition.name}`;
  const { metrics, operations } = deps;
  const tracer = deps.tracer ?? globalTracer();

  const admin: Admin = kafka.admin();
  await admin.connect();
  if (inputTopics.length > 1) {
    const { topics } = await admin.fetchTopicMetadata({ topics: inputTopics });
    const counts = new Set(topics.map((t) => t.partitions.length));
    if (counts.size > 1) {
      await admin.disconnect();
      throw new EaioError(
        'INVALID_ARGUMENT',
        'permanent',
        `Processor ${definition.name}: inputs ${inputTopics.join(', ')} are not co-partitioned (partition counts ${topics.map((t) => `${t.name}=${t.partitions.length}`).join(', ')})`,
        { context: { inputs: inputTopics } },
      );
    }
  }

  const decodeInput = async (key: TopicKey, message: KafkaMessage): Promise<Buffered> => {
    const offset = BigInt(message.offset);
    let decoded: RuntimeInput;
    try {
      const { type, value } = await codec.decode(key, message.value);
      decoded = { type, value };
    } catch (error) {
      // A registry outage is not the event's fault: fail the batch so it is retried.
      if (isTransient(error)) throw error;
      return { message, offset, occurredAt: Number.NaN, poison: { error, stage: 'decode' } };
    }
    try {
      const value = definition.validate(key, decoded.value);
      const occurredAt = (value as { occurredAt?: Date }).occurredAt?.getTime() ?? Number.NaN;
      if (definition.merged && !Number.isFinite(occurredAt)) throw invalidTime(key);
      return { message, offset, occurredAt, input: { type: decoded.type, value } };
    } catch (error) {
      if (isTransient(error)) throw error;
      return { message, offset, occurredAt: Number.NaN, poison: { error, stage: 'validate' } };
    }
  };

  const tables: TableReader | undefined =
    definition.tables.length === 0
      ? undefined
      : await startTableReader({
          kafka,
          codec,
          names,
          logger,
          groupPrefix: groupId,
          tables: definition.tables,
          decode: async (key, message) => {
            const entry = await decodeInput(key, message);
            if (entry.input === undefined)
              return { poison: entry.poison ?? { error: invalidTime(key), stage: 'validate' } };
            return { ...entry.input, occurredAt: entry.occurredAt };
          },
        });

  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout,
    heartbeatInterval: Math.floor(sessionTimeout / 10),
    maxWaitTimeInMs: 1_000,
    allowAutoTopicCreation: false,
    // One input deals like round-robin, so a single-input group also accepts members of an older
    // version that only speak round-robin (a rolling upgrade); merged inputs need their own.
    partitionAssigners: definition.merged
      ? [coPartitionedAssigner]
      : [coPartitionedAssigner, PartitionAssigners.roundRobin],
  });
  await consumer.connect();
  const runs = new Map<number, PartitionRun>();
  const producers = new Map<number, Promise<Producer>>();
  // Log ends learnt from batches of only transaction markers, for partition numbers not yet running.
  const markerEnds = new Map<string, bigint>();

  /**
   * A new transactional producer for a partition number, connected. Connecting fences every earlier
   * producer of the same id (a previous owner, or our own after a failure) and settles its open
   * transaction, so offsets read afterwards are the last ones any owner will ever commit.
   */
  const freshProducer = async (partition: number): Promise<Producer> => {
    const previous = producers.get(partition);
    producers.delete(partition);
    await previous?.then((p) => p.disconnect()).catch(() => undefined);
    const producer = kafka.producer({
      transactionalId: `${groupId}.${firstTopic}.${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const connected = producer.connect().then(() => producer);
    producers.set(partition, connected);
    return connected;
  };

  const producerFor = (partition: number): Promise<Producer> =>
    producers.get(partition) ?? freshProducer(partition);

  const createOperator = (): OperatorRun => {
    const input = new Subject<RuntimeInput>();
    const emitted: unknown[] = [];
    const operator: OperatorRun = {
      input,
      emitted,
      failure: undefined,
      subscription: input.pipe(definition.operator()).subscribe({
        next: (event) => emitted.push(event),
        error: (error: unknown) => {
          operator.failure = error;
        },
      }),
    };
    return operator;
  };

  /**
   * Throws a partition number's state and buffers away and rewinds its inputs to the committed offsets:
   * buffered events were acknowledged to kafkajs, which would otherwise fetch on after them.
   */
  const fail = (partition: number): void => {
    for (const cursor of runs.get(partition)?.cursors ?? []) {
      try {
        consumer.seek({ topic: cursor.topic, partition, offset: cursor.committed.toString() });
      } catch (error) {
        // Not running (stopping, or between restarts): a restart rejoins at the committed offsets anyway.
        logger.warn({ processor: definition.name, partition, err: error }, 'could not rewind input');
      }
    }
    drop(partition);
  };

  const drop = (partition: number): void => {
    const dropped = runs.get(partition);
    dropped?.operator.subscription.unsubscribe();
    runs.delete(partition);
    for (const topic of inputTopics) markerEnds.delete(`${topic}:${partition}`);
  };

  const headOf = (cursor: Cursor): StreamHead => {
    const next = cursor.buffer[0];
    if (next !== undefined) return { kind: 'event', occurredAt: next.occurredAt };
    return cursor.seen >= cursor.end ? { kind: 'idle' } : { kind: 'behind' };
  };

  /**
   * Feeds what the merge order allows. Poison events at the head of an input are handed to `onPoison`
   * (they never reach the operator, so they need not wait). Stops at the first operator failure and
   * returns it; the caller rebuilds the operator without the event.
   */
  const drain = (
    partitionRun: PartitionRun,
    onPoison: (cursor: Cursor, entry: Buffered) => void,
  ): OperatorFailure | undefined => {
    const { cursors, pendingTable } = partitionRun;
    for (;;) {
      for (const cursor of cursors) {
        for (let head = cursor.buffer[0]; head?.poison !== undefined; head = cursor.buffer[0]) {
          cursor.buffer.shift();
          cursor.position = head.offset + 1n;
          onPoison(cursor, head);
        }
      }
      const index = nextStreamInput(cursors.map(headOf));
      const cursor = index === undefined ? undefined : cursors[index];
      const entry = cursor?.buffer[0];
      if (cursor === undefined || entry?.input === undefined) break;
      if (tables !== undefined) {
        for (; partitionRun.tableNext < tables.events.length; partitionRun.tableNext += 1) {
          const event = tables.events[partitionRun.tableNext] as TableEvent;
          const at = pendingTable.findIndex((p) => compareTablePositions(event.position, p.position) < 0);
          pendingTable.splice(at < 0 ? pendingTable.length : at, 0, event);
        }
        for (let due = pendingTable[0]; due !== undefined; due = pendingTable[0]) {
          if (!tableIsDue(due.position, entry.occurredAt)) break;
          pendingTable.shift();
          if (tables.isRejected(due)) continue;
          partitionRun.operator.input.next({ type: due.type, value: due.value });
          const error = partitionRun.operator.failure;
          if (error !== undefined) return { on: 'table', event: due, error };
        }
      }
      cursor.buffer.shift();
      cursor.position = entry.offset + 1n;
      partitionRun.operator.input.next(entry.input);
      const error = partitionRun.operator.failure;
      if (error !== undefined) return { on: 'stream', cursor, entry, error };
    }
    // Past trailing transaction markers too, so the committed offset reaches the log end.
    for (const cursor of cursors) {
      if (cursor.buffer.length === 0) cursor.position = maxBig(cursor.position, cursor.seen);
    }
    return undefined;
  };

  /** Offsets dead-lettered at the process stage, per input topic, for this partition number. */
  const processLetters = async (partition: number): Promise<Map<string, Set<string>>> => {
    const byTopic = new Map<string, Set<string>>();
    for (const key of definition.inputs) {
      const offsets = new Set<string>();
      for (const { message } of await readTopicToEnd(kafka, names.deadLetter(key))) {
        const h = message.headers ?? {};
        if (
          h[DEAD_LETTER_HEADERS.stage]?.toString() === stage &&
          h[DEAD_LETTER_HEADERS.sourceTopic]?.toString() === names.topic(key) &&
          h[DEAD_LETTER_HEADERS.sourcePartition]?.toString() === String(partition)
        ) {
          offsets.add(h[DEAD_LETTER_HEADERS.sourceOffset]?.toString() ?? '');
        }
      }
      byTopic.set(names.topic(key), offsets);
    }
    return byTopic;
  };

  /**
   * A fresh run for a partition number, fed its inputs' logs below `until` (per input topic) through
   * the same merge as live, with everything available; outputs discarded. Events the operator failed on
   * (process-stage dead letters, and `alsoSkip` for letters not yet committed) are left out, as they
   * were live; poison events were dead-lettered when first seen and are passed over.
   */
  const rebuild = async (
    partition: number,
    from: ReadonlyMap<string, bigint>,
    until: ReadonlyMap<string, bigint>,
    alsoSkip: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
  ): Promise<PartitionRun> => {
    const skipped = await processLetters(partition);
    const cursors: Cursor[] = [];
    let replayed = 0;
    for (const [index, key] of definition.inputs.entries()) {
      const topic = inputTopics[index] as string;
      const end = until.get(topic) ?? 0n;
      const start = from.get(topic) ?? 0n;
      const skip = new Set([...(skipped.get(topic) ?? []), ...(alsoSkip.get(topic) ?? [])]);
      const buffer: Buffered[] = [];
      if (end > start) {
        for (const { partition: p, message } of await readTopicToEnd(kafka, topic)) {
          const offset = BigInt(message.offset);
          if (p !== partition || offset < start || offset >= end || skip.has(message.offset)) continue;
          buffer.push(await decodeInput(key, message));
          replayed += 1;
        }
      }
      cursors.push({ key, topic, buffer, position: start, committed: start, seen: end, end });
    }
    const partitionRun: PartitionRun = {
      partition,
      operator: createOperator(),
      cursors,
      tableNext: 0,
      pendingTable: [],
    };
    const failure = drain(partitionRun, () => undefined);
    if (failure !== undefined) throw failure.error;
    partitionRun.operator.emitted.length = 0;
    logger.info({ processor: definition.name, partition, replayed }, 'processor state rebuilt from the log');
    return partitionRun;
  };

  /** The run of a partition number, rebuilt from the committed offsets when first seen. */
  const runFor = async (partition: number): Promise<PartitionRun> => {
    const existing = runs.get(partition);
    if (existing !== undefined) return existing;
    // Fence first: an old owner could otherwise still commit after the offsets are read below.
    await freshProducer(partition);
    const committed = await admin.fetchOffsets({ groupId, topics: inputTopics });
    const from = new Map<string, bigint>();
    const until = new Map<string, bigint>();
    const ends = new Map<string, bigint>();
    for (const topic of inputTopics) {
      const offsets = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
      const low = BigInt(offsets?.low ?? '0');
      const at = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === partition);
      const position = at === undefined || BigInt(at.offset) < 0n ? low : BigInt(at.offset);
      from.set(topic, low);
      until.set(topic, position);
      ends.set(topic, BigInt(offsets?.high ?? '0'));
    }
    const partitionRun = await rebuild(partition, from, until);
    for (const cursor of partitionRun.cursors) {
      cursor.end = maxBig(ends.get(cursor.topic) ?? 0n, cursor.seen);
      cursor.seen = maxBig(cursor.seen, markerEnds.get(`${cursor.topic}:${partition}`) ?? 0n);
    }
    runs.set(partition, partitionRun);
    return partitionRun;
  };

  /**
   * Drains a run and commits what it fed, its outputs and dead letters in one transaction, inside
   * one CONSUMER span per batch rather than per event: outputs are not one-to-one with inputs (a
   * window closes on a later event, merged inputs interleave), the transaction is the unit of work,
   * and a span per event would cost more than the event. The span continues the producer's trace
   * when the events fed share one, and otherwise starts a trace linking each (`batchTrace`); the
   * outputs carry its context in their headers and `traceContext` field.
   */
  const drainAndCommit = async (partitionRun: PartitionRun): Promise<Committed> => {
    const startedAt = Date.now();
    // Entries below each cursor's position after the drain are the ones it fed (or dead-lettered).
    const queued = partitionRun.cursors.map((c) => c.buffer.slice());
    const letters: { key: TopicKey; letter: DeadLetter }[] = [];
    const outputs: unknown[] = [];
    for (;;) {
      const failure = drain(partitionRun, (cursor, entry) =>
        letters.push({
          key: cursor.key,
          letter: deadLetterOf(
            { topic: cursor.topic, partition: partitionRun.partition },
            entry.message,
            entry.poison?.error,
            entry.poison?.stage ?? 'decode',
          ),
        }),
      );
      outputs.push(...partitionRun.operator.emitted.splice(0));
      if (failure === undefined) break;
      // The operator cannot take this event: dead-letter it, and carry on from a state rebuilt
      // without it (the rebuild skips offsets dead-lettered at this stage).
      partitionRun.operator.subscription.unsubscribe();
      if (failure.on === 'table') {
        await tables?.reject(failure.event, failure.error, stage);
      } else {
        letters.push({
          key: failure.cursor.key,
          letter: deadLetterOf(
            { topic: failure.cursor.topic, partition: partitionRun.partition },
            failure.entry.message,
            failure.error,
            stage,
          ),
        });
      }
      const alsoSkip = new Map<string, Set<string>>();
      for (const { letter } of letters.filter((l) => l.letter.stage === stage)) {
        const set = alsoSkip.get(letter.sourceTopic) ?? new Set<string>();
        set.add(letter.message.offset);
        alsoSkip.set(letter.sourceTopic, set);
      }
      const from = new Map<string, bigint>();
      const until = new Map<string, bigint>();
      for (const cursor of partitionRun.cursors) {
        const offsets = (await admin.fetchTopicOffsets(cursor.topic)).find(
          (o) => o.partition === partitionRun.partition,
        );
        from.set(cursor.topic, BigInt(offsets?.low ?? '0'));
        until.set(cursor.topic, cursor.position);
      }
      const rebuilt = await rebuild(partitionRun.partition, from, until, alsoSkip);
      partitionRun.operator = rebuilt.operator;
      partitionRun.tableNext = rebuilt.tableNext;
      partitionRun.pendingTable.splice(0, partitionRun.pendingTable.length, ...rebuilt.pendingTable);
    }

    const moved = partitionRun.cursors.filter((c) => c.position !== c.committed);
    if (outputs.length === 0 && letters.length === 0 && moved.length === 0) return NOTHING_COMMITTED;
    const fed = partitionRun.cursors.flatMap((c, i) =>
      (queued[i] ?? [])
        .filter((entry) => entry.offset < c.position)
        .map((entry) => ({
          headers: entry.message.headers,
          traceContext: (entry.input?.value as { traceContext?: TraceContextField | null } | undefined)
            ?.traceContext,
        })),
    );
    const { parent, links, droppedLinks } = batchSpanParent(fed);
    const spanAttributes = {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_KAFKA,
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_OPERATION_NAME]: 'process',
      [ATTR_MESSAGING_DESTINATION_NAME]: inputTopics.join(','),
      [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(partitionRun.partition),
      [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId,
      [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: fed.length,
      'eaio.processor': definition.name,
      'eaio.outputs': outputs.length,
      'eaio.dead_letters': letters.length,
      'eaio.trace.links_dropped': droppedLinks,
    };
    return inSpan(
      tracer,
      `process ${definition.name}`,
      { kind: SpanKind.CONSUMER, parent, links, startTime: startedAt, attributes: spanAttributes },
      async () => {
        const messages: Message[] = await Promise.all(
          outputs.map(async (event) => ({
            key: definition.outputKey(event),
            value: await codec.encode(
              definition.output,
              withTraceContextField(event as TopicValue<typeof definition.output>),
            ),
            headers: injectTraceHeaders(),
          })),
        );
        const producer = await producerFor(partitionRun.partition);
        const transaction = await producer.transaction();
        try {
          await sendInChunks(transaction, names.topic(definition.output), messages);
          const at = new Date();
          for (const key of new Set(letters.map((l) => l.key))) {
            await sendInChunks(
              transaction,
              names.deadLetter(key),
              letters.filter((l) => l.key === key).map((l) => toDeadLetterMessage(l.letter, at)),
            );
          }
          if (moved.length > 0) {
            await transaction.sendOffsets({
              consumerGroupId: groupId,
              topics: moved.map((c) => ({
                topic: c.topic,
                partitions: [{ partition: partitionRun.partition, offset: c.position.toString() }],
              })),
            });
          }
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
        for (const cursor of moved) cursor.committed = cursor.position;
        // Counted once committed: an aborted transaction is redone, and would otherwise count twice.
        if (messages.length > 0)
          metrics?.countProduced(component, names.topic(definition.output), messages.length);
        for (const { letter } of letters)
          metrics?.countDeadLetter({
            topic: letter.sourceTopic,
            stage: letter.stage,
            code: errorCodeOf(letter.error),
          });
        return { produced: messages.length, deadLettered: letters.length };
      },
    );
  };

  const handle = async (batch: PartitionBatch): Promise<Committed> => {
    if (batch.messages.length === 0) return NOTHING_COMMITTED;
    const index = inputTopics.indexOf(batch.topic);
    const key = definition.inputs[index];
    if (key === undefined) return NOTHING_COMMITTED;
    metrics?.observeBatchSize(component, batch.topic, batch.messages.length);
    // The tables' new messages first, so a registration already in the log precedes this batch.
    await tables?.catchUp();
    const partitionRun = await runFor(batch.partition);
    const cursor = partitionRun.cursors[index] as Cursor;
    let taken = 0;
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      // Already buffered or fed: kafkajs redelivers from the committed offset after a restart.
      if (offset < cursor.seen) continue;
      cursor.buffer.push(await decodeInput(key, message));
      cursor.seen = offset + 1n;
      taken += 1;
    }
    if (taken > 0) metrics?.countConsumed(component, batch.topic, taken);
    cursor.end = maxBig(cursor.end, BigInt(batch.highWatermark));
    return drainAndCommit(partitionRun);
  };

  /** A batch of only transaction markers moved an input's log end: the merge may go on. */
  const markersPassed = async (topic: string, partition: number, next: bigint): Promise<Committed> => {
    const partitionRun = runs.get(partition);
    const cursor = partitionRun?.cursors.find((c) => c.topic === topic);
    if (partitionRun === undefined || cursor === undefined) {
      markerEnds.set(`${topic}:${partition}`, next);
      return NOTHING_COMMITTED;
    }
    if (cursor.buffer.length === 0 && next > cursor.seen) cursor.seen = next;
    return drainAndCommit(partitionRun);
  };

  /** One operation per batch of messages on the telemetry topic (batches of markers alone are not work). */
  const recordBatch = (
    batch: PartitionBatch,
    startedAt: number,
    result: { readonly committed: Committed } | { readonly error: unknown },
  ): void => {
    if (operations === undefined || batch.messages.length === 0) return;
    const committed = 'committed' in result ? result.committed : NOTHING_COMMITTED;
    operations.record({
      component,
      operation: `processor.batch:${definition.name}`,
      durationMs: performance.now() - startedAt,
      ...('error' in result ? { errorCode: errorCodeOf(result.error) } : {}),
      details: {
        topic: batch.topic,
        partition: String(batch.partition),
        messages: String(batch.messages.length),
        produced: String(committed.produced),
        deadLettered: String(committed.deadLettered),
      },
    });
  };

  const markers = new Subject<{ topic: string; partition: number; next: bigint }>();
  const removeMarkerListener = consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && definition.merged) {
      markers.next({
        topic: payload.topic,
        partition: payload.partition,
        next: BigInt(payload.lastOffset) + 1n,
      });
    }
  });
  // A partition number taken away may come back after another member moved it on: rebuild it then.
  const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set(Object.values(payload.memberAssignment).flat());
    for (const partition of [...runs.keys()]) if (!assigned.has(partition)) drop(partition);
  });

  const work = merge(
    kafkaBatches(consumer, { topics: inputTopics, commitOffsets: false }).pipe(
      map((batch) => ({ kind: 'batch' as const, batch })),
    ),
    markers.pipe(map((marker) => ({ kind: 'markers' as const, ...marker }))),
  );
  const subscription = work
    .pipe(
      concatMap((item) => {
        const partition = item.kind === 'batch' ? item.batch.partition : item.partition;
        const startedAt = performance.now();
        return defer(() =>
          item.kind === 'batch' ? handle(item.batch) : markersPassed(item.topic, partition, item.next),
        ).pipe(
          concatMap((committed) => {
            if (item.kind === 'batch') {
              item.batch.ack();
              recordBatch(item.batch, startedAt, { committed });
            }
            return EMPTY;
          }),
          catchError((error: unknown) => {
            // The state has seen events whose outputs were not committed: throw it and the buffers away,
            // so the redelivered batches meet a state rebuilt from the committed log.
            fail(partition);
            logger.error(
              { processor: definition.name, partition, err: error },
              'batch failed; will be redelivered',
            );
            if (item.kind === 'batch') {
              recordBatch(item.batch, startedAt, { error });
              item.batch.nack(error);
            }
            return EMPTY;
          }),
        );
      }),
    )
    .subscribe({
      error: (error: unknown) =>
        logger.error({ processor: definition.name, err: error }, 'processor stopped'),
    });

  return {
    groupId,
    async stop() {
      subscription.unsubscribe();
      markers.complete();
      removeMarkerListener();
      removeJoinListener();
      await consumer.stop();
      await consumer.disconnect();
      for (const partitionRun of runs.values()) partitionRun.operator.subscription.unsubscribe();
      await Promise.all([...producers.values()].map(async (p) => (await p).disconnect()));
      await tables?.stop();
      await admin.disconnect();
    },
  };
}
