import type { Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { catchError, concatMap, defer, EMPTY, type OperatorFunction, Subject, type Subscription } from 'rxjs';
import { isTransient } from '../../infra/errors/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { EventCodec, TopicKey, TopicNames, TopicValue } from '../../schemas/index.ts';
import { DEAD_LETTER_HEADERS, type DeadLetter, deadLetterOf, toDeadLetterMessage } from './dead-letters.ts';
import { kafkaBatches, type PartitionBatch } from './kafka-batches.ts';

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

export interface ProcessorDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  readonly sessionTimeoutMs?: number;
}

export interface RunningProcessor {
  readonly groupId: string;
  stop(): Promise<void>;
}

interface PartitionState<I, O> {
  readonly input: Subject<I>;
  readonly emitted: O[];
  readonly subscription: Subscription;
  failure: unknown;
}

/** Stage recorded on dead letters of events the operator itself failed on. */
const processStage = (name: string): string => `process:${name}`;

/**
 * Runs a processor until stopped. Exactly-once into the output topic: a batch's outputs, its dead
 * letters and its input offsets are committed in one transaction (per input partition, so a
 * restarted or rebalanced instance fences the old one). Operator state is not stored: when a
 * partition is first seen, its state is rebuilt by replaying that partition's log up to the
 * committed offset with outputs discarded, which determinism makes exact.
 */
export async function runProcessor<I extends TopicKey, O extends TopicKey>(
  deps: ProcessorDeps,
  definition: ProcessorDefinition<I, O>,
): Promise<RunningProcessor> {
  const { kafka, codec, names, logger } = deps;
  const groupId = `${names.prefix}${definition.name}`;
  const inputTopic = names.topic(definition.input);
  const sessionTimeout = deps.sessionTimeoutMs ?? 30_000;
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout,
    heartbeatInterval: Math.floor(sessionTimeout / 10),
    maxWaitTimeInMs: 1_000,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  const states = new Map<number, PartitionState<TopicValue<I>, TopicValue<O>>>();
  const producers = new Map<number, Promise<Producer>>();

  const producerFor = (partition: number): Promise<Producer> => {
    let producer = producers.get(partition);
    if (producer === undefined) {
      producer = (async () => {
        const p = kafka.producer({
          transactionalId: `${groupId}.${inputTopic}.${partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
        });
        await p.connect();
        return p;
      })();
      producers.set(partition, producer);
    }
    return producer;
  };

  const createState = (): PartitionState<TopicValue<I>, TopicValue<O>> => {
    const input = new Subject<TopicValue<I>>();
    const emitted: TopicValue<O>[] = [];
    const state: PartitionState<TopicValue<I>, TopicValue<O>> = {
      input,
      emitted,
      failure: undefined,
      subscription: input.pipe(definition.operator()).subscribe({
        next: (event) => emitted.push(event),
        error: (error: unknown) => {
          state.failure = error;
        },
      }),
    };
    return state;
  };

  const decodeValid = async (message: KafkaMessage): Promise<TopicValue<I>> => {
    const decoded = (await codec.decode(definition.input, message.value)).value as TopicValue<I>;
    return definition.validate ? definition.validate(decoded) : decoded;
  };

  /**
   * Replays a partition's log below `until` into a fresh state, discarding what it emits. Events
   * the operator failed on (dead letters of the process stage, and `alsoSkip` for letters not yet
   * committed) are left out, as they were live.
   */
  const rebuild = async (
    partition: number,
    until: string,
    alsoSkip: ReadonlySet<string> = new Set(),
  ): Promise<PartitionState<TopicValue<I>, TopicValue<O>>> => {
    const skipped = new Set([
      ...alsoSkip,
      (await readTopicToEnd(kafka, names.deadLetter(definition.input)))
        .map((m) => m.message.headers ?? {})
        .filter(
          (h) =>
            h[DEAD_LETTER_HEADERS.stage]?.toString() === processStage(definition.name) &&
            h[DEAD_LETTER_HEADERS.sourcePartition]?.toString() === String(partition),
        )
        .map((h) => h[DEAD_LETTER_HEADERS.sourceOffset]?.toString()),
    ]);
    const state = createState();
    let replayed = 0;
    for (const { partition: p, message } of await readTopicToEnd(kafka, inputTopic)) {
      if (p !== partition || BigInt(message.offset) >= BigInt(until) || skipped.has(message.offset)) continue;
      // Poison events were dead-lettered when first seen; here they are simply passed over.
      const event = await decodeValid(message).catch(() => undefined);
      if (event === undefined) continue;
      state.input.next(event);
      replayed += 1;
    }
    state.emitted.length = 0;
    if (state.failure !== undefined) throw state.failure;
    logger.info({ processor: definition.name, partition, replayed }, 'processor state rebuilt from the log');
    return state;
  };

  const handle = async (batch: PartitionBatch): Promise<void> => {
    const first = batch.messages[0];
    const last = batch.messages.at(-1);
    if (first === undefined || last === undefined) return;
    let state = states.get(batch.partition);
    if (state === undefined) {
      state = await rebuild(batch.partition, first.offset);
      states.set(batch.partition, state);
    }
    const letters: DeadLetter[] = [];
    const letter = (message: KafkaMessage, error: unknown, stage: string) =>
      letters.push(deadLetterOf(batch, message, error, stage));
    for (const message of batch.messages) {
      let event: TopicValue<I>;
      try {
        event = await decodeValid(message);
      } catch (error) {
        // A registry outage is not the event's fault: fail the batch so it is retried.
        if (isTransient(error)) throw error;
        letter(message, error, 'decode');
        continue;
      }
      state.input.next(event);
      if (state.failure !== undefined) {
        // The operator cannot take this event: dead-letter it, and carry on from a state rebuilt
        // without it (the rebuild skips offsets dead-lettered at this stage).
        letter(message, state.failure, processStage(definition.name));
        state.subscription.unsubscribe();
        const outputsSoFar = state.emitted;
        state = await rebuild(
          batch.partition,
          message.offset,
          new Set(
            letters.filter((l) => l.stage === processStage(definition.name)).map((l) => l.message.offset),
          ),
        );
        state.emitted.push(...outputsSoFar);
        states.set(batch.partition, state);
      }
    }
    const outputs = state.emitted.splice(0);
    const messages: Message[] = await Promise.all(
      outputs.map(async (event) => ({
        key: definition.outputKey(event),
        value: await codec.encode(definition.output, event),
      })),
    );
    const producer = await producerFor(batch.partition);
    const transaction = await producer.transaction();
    try {
      if (messages.length > 0) await transaction.send({ topic: names.topic(definition.output), messages });
      if (letters.length > 0) {
        const at = new Date();
        await transaction.send({
          topic: names.deadLetter(definition.input),
          messages: letters.map((l) => toDeadLetterMessage(l, at)),
        });
      }
      await transaction.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  };

  const subscription = kafkaBatches(consumer, { topics: [inputTopic], commitOffsets: false })
    .pipe(
      concatMap((batch) =>
        defer(() => handle(batch)).pipe(
          concatMap(() => {
            batch.ack();
            return EMPTY;
          }),
          catchError((error: unknown) => {
            // The state has seen events whose outputs were not committed: throw it away, so the
            // redelivered batch meets a state rebuilt from the committed log.
            states.get(batch.partition)?.subscription.unsubscribe();
            states.delete(batch.partition);
            logger.error(
              { processor: definition.name, partition: batch.partition, err: error },
              'batch failed; will be redelivered',
            );
            batch.nack(error);
            return EMPTY;
          }),
        ),
      ),
    )
    .subscribe({
      error: (error: unknown) =>
        logger.error({ processor: definition.name, err: error }, 'processor stopped'),
    });

  return {
    groupId,
    async stop() {
      subscription.unsubscribe();
      await consumer.stop();
      await consumer.disconnect();
      for (const state of states.values()) state.subscription.unsubscribe();
      await Promise.all([...producers.values()].map(async (p) => (await p).disconnect()));
    },
  };
}
