import { type Admin, PartitionAssigners } from 'kafkajs';
import { merge, Subject } from 'rxjs';
import { EaioError } from '../../infra/errors/index.ts';
import { groupTimeouts, transactionTimeout } from '../../infra/kafka/index.ts';
import { globalTracer } from '../../infra/telemetry/index.ts';
import type { TopicKey } from '../../schemas/index.ts';
import {
  batchMeter,
  handleEachBatch,
  kafkaBatches,
  logRestarts,
  type PartitionBatch,
  type SettledWork,
} from '../../stream-runtime/index.ts';
import { batchOperations } from './batch-operations.ts';
import { coPartitionedAssigner } from './co-partitioned-assigner.ts';
import { type Committed, createBatchCommitter, NOTHING_COMMITTED } from './commit-batch.ts';
import { buffered, inputDecoder, tableDecoder } from './decode-input.ts';
import { createBatchDrainer } from './drain-batch.ts';
import { createPartitionProducers } from './partition-producers.ts';
import { type Cursor, maxBig } from './partition-run.ts';
import { createPartitionRuns } from './partition-runs.ts';
import {
  DEFAULT_PROCESSOR_FETCH,
  type MultiInputProcessorDefinition,
  type ProcessorDefinition,
  type ProcessorDeps,
  type RunningProcessor,
} from './processor-definition.ts';
import { createPartitionReplay } from './replay-partition.ts';
import {
  type ProcessorScope,
  processStage,
  type RuntimeDefinition,
  toRuntimeDefinition,
} from './runtime-definition.ts';
import { startTableReader } from './table-reader.ts';

/**
 * A batch of only transaction markers that moved an input's log end, fed to the batch loop beside
 * the partition batches so the merge may go on; there is nothing of it to commit.
 */
class MarkersPassed implements SettledWork {
  readonly topic: string;
  readonly partition: number;
  readonly next: bigint;

  constructor(topic: string, partition: number, next: bigint) {
    this.topic = topic;
    this.partition = partition;
    this.next = next;
  }

  ack(): void {}

  nack(): void {}
}

/** Merged inputs are read by partition number, so every input must have as many partitions. */
async function requireCoPartitioned(
  admin: Admin,
  name: string,
  inputTopics: readonly string[],
): Promise<void> {
  if (inputTopics.length < 2) return;
  const { topics } = await admin.fetchTopicMetadata({ topics: [...inputTopics] });
  const counts = new Set(topics.map((t) => t.partitions.length));
  if (counts.size <= 1) return;
  throw new EaioError(
    'INVALID_ARGUMENT',
    'permanent',
    `Processor ${name}: inputs ${inputTopics.join(', ')} are not co-partitioned (partition counts ${topics.map((t) => `${t.name}=${t.partitions.length}`).join(', ')})`,
    { context: { inputs: inputTopics } },
  );
}

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
  return run(deps, toRuntimeDefinition(definition));
}

async function run(deps: ProcessorDeps, definition: RuntimeDefinition): Promise<RunningProcessor> {
  const { kafka, codec, names, logger } = deps;
  const groupId = `${names.prefix}${definition.name}`;
  const inputTopics = definition.inputs.map((key) => names.topic(key));
  const sessionTimeout = deps.sessionTimeoutMs ?? 30_000;
  const component = `processor:${definition.name}`;
  const meter = batchMeter(deps.metrics, component);

  const admin = kafka.admin();
  await admin.connect();
  try {
    await requireCoPartitioned(admin, definition.name, inputTopics);
  } catch (error) {
    await admin.disconnect();
    throw error;
  }

  const decodeInput = inputDecoder(definition, codec);
  const tables =
    definition.tables.length === 0
      ? undefined
      : await startTableReader({
          kafka,
          codec,
          names,
          logger,
          groupPrefix: groupId,
          consumer: component,
          tables: definition.tables,
          decode: tableDecoder(decodeInput),
        });

  const consumer = kafka.consumer({
    groupId,
    // A rebalance waits for a member stalled in a handler no longer than two sessions (not
    // kafkajs's fixed 60 s): the group moves its partitions on, and their producers fence it.
    ...groupTimeouts(sessionTimeout),
    maxWaitTimeInMs: 1_000,
    maxBytesPerPartition: (deps.fetch ?? DEFAULT_PROCESSOR_FETCH).maxBytesPerPartition,
    maxBytes: (deps.fetch ?? DEFAULT_PROCESSOR_FETCH).maxBytes,
    allowAutoTopicCreation: false,
    // One input deals like round-robin, so a single-input group also accepts members of an older
    // version that only speak round-robin (a rolling upgrade); merged inputs need their own.
    partitionAssigners: definition.merged
      ? [coPartitionedAssigner]
      : [coPartitionedAssigner, PartitionAssigners.roundRobin],
  });
  await consumer.connect();

  const scope: ProcessorScope = {
    definition,
    kafka,
    admin,
    codec,
    names,
    logger,
    groupId,
    inputTopics,
    processStage: processStage(definition.name),
    tables,
  };
  const producers = createPartitionProducers(kafka, `${groupId}.${inputTopics[0] as string}`, {
    transactionTimeout: transactionTimeout(sessionTimeout),
  });
  const replay = createPartitionReplay(scope, decodeInput);
  const partitions = createPartitionRuns(scope, consumer, producers, replay);
  const commit = createBatchCommitter(scope, createBatchDrainer(scope, replay), producers, {
    meter,
    metrics: deps.metrics,
    component,
    tracer: deps.tracer ?? globalTracer(),
    ...(deps.failpoints ? { failpoints: deps.failpoints } : {}),
  });
  const recordBatch = batchOperations(deps.operations, definition.name, component);

  /** Buffers a batch's new events behind its input's cursor and commits what the merge then allows. */
  const handle = async (batch: PartitionBatch): Promise<Committed> => {
    if (batch.messages.length === 0) return NOTHING_COMMITTED;
    const index = inputTopics.indexOf(batch.topic);
    const key = definition.inputs[index];
    if (key === undefined) return NOTHING_COMMITTED;
    meter.batchSize(batch.topic, batch.messages.length);
    // The tables' new messages first, so a registration already in the log precedes this batch.
    await tables?.catchUp();
    // A member the group moved on from (stalled past its session, say) still holds batches fetched
    // before; fencing their partitions would fence their new owner's producer mid-transaction, and
    // both would then rebuild from offsets the other was committing. The heartbeat throws when the
    // coordinator no longer knows this member or is rebalancing, so such a batch is given back first.
    const partitionRun = await partitions.runFor(batch.partition, () => batch.heartbeat());
    const cursor = partitionRun.cursors[index] as Cursor;
    let taken = 0;
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      // Already buffered or fed: kafkajs redelivers from the committed offset after a restart.
      if (offset < cursor.seen) continue;
      cursor.buffer.push(buffered(message, await decodeInput(key, message)));
      cursor.seen = offset + 1n;
      taken += 1;
    }
    meter.consumed(batch.topic, taken);
    cursor.end = maxBig(cursor.end, BigInt(batch.highWatermark));
    return commit(partitionRun);
  };

  const markersPassed = async (markers: MarkersPassed): Promise<Committed> => {
    const partitionRun = partitions.markersPassed(markers.topic, markers.partition, markers.next);
    return partitionRun === undefined ? NOTHING_COMMITTED : commit(partitionRun);
  };

  // Work handed to the loop and not yet settled. Unsubscribing on stop does not end it: a batch in
  // its transaction, or a partition being rebuilt, runs on, and closing the producers under it let
  // it connect again on its own and keep the process alive after a SIGTERM. Stop waits for it.
  const inFlight = new Set<Promise<Committed>>();
  const tracked = (work: Promise<Committed>): Promise<Committed> => {
    inFlight.add(work);
    work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work),
    );
    return work;
  };

  const markers = new Subject<MarkersPassed>();
  const removeMarkerListener = consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0 && definition.merged) {
      markers.next(new MarkersPassed(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n));
    }
  });
  const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    partitions.keepOnly(new Set(Object.values(payload.memberAssignment).flat())),
  );

  const subscription = merge(
    kafkaBatches(consumer, {
      topics: inputTopics,
      commitOffsets: false,
      onRestart: logRestarts(logger, { processor: definition.name }),
    }),
    markers,
  )
    .pipe(
      handleEachBatch((work) => tracked(work instanceof MarkersPassed ? markersPassed(work) : handle(work)), {
        logger,
        logFields: (work) => ({ processor: definition.name, partition: work.partition }),
        onHandled: (work, committed, startedAt) => {
          if (!(work instanceof MarkersPassed)) recordBatch(work, startedAt, { committed });
        },
        onFailed: (work, error, startedAt) => {
          // The state has seen events whose outputs were not committed: throw it and the buffers
          // away, so the redelivered batches meet a state rebuilt from the committed log.
          partitions.fail(work.partition);
          if (!(work instanceof MarkersPassed)) recordBatch(work, startedAt, { error });
        },
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
      // Settled either way: committed, or aborted and redelivered to the next owner.
      await Promise.allSettled([...inFlight]);
      await consumer.disconnect();
      partitions.close();
      await producers.disconnectAll();
      await tables?.stop();
      await admin.disconnect();
    },
  };
}
