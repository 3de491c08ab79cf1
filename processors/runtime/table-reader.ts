import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import { createProducer, readTopicToEnd } from '../../infra/kafka/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { EventCodec, TopicKey, TopicNames } from '../../schemas/index.ts';
import {
  createDeadLetterPublisher,
  DEAD_LETTER_HEADERS,
  deadLetterOf,
  Poison,
} from '../../stream-runtime/index.ts';
import type { TablePosition } from './merge-order.ts';

/** One valid event of a global table, with its place in the merge. */
export interface TableEvent {
  readonly key: TopicKey;
  /** Avro record name, as the operator's `{ type, value }` input carries it. */
  readonly type: string;
  readonly value: unknown;
  readonly position: TablePosition;
}

/**
 * Decodes and validates one table message: the event, or why it is poison and at which stage
 * (`decode`, `validate`), or undefined for a re-driven copy meant for other consumers (passed over).
 * Throws a transient error to have the batch read again.
 */
export type TableDecoder = (
  key: TopicKey,
  message: KafkaMessage,
) => Promise<
  { readonly type: string; readonly value: unknown; readonly occurredAt: number } | Poison | undefined
>;

/**
 * Every instance's own copy of the global tables, read in full and kept up to date while running.
 */
export interface TableReader {
  /** Valid table events read so far, in arrival order; only ever appended to. */
  readonly events: readonly TableEvent[];
  /** Whether an event was later refused by the operator (it is then skipped everywhere). */
  isRejected(event: TableEvent): boolean;
  /** Dead-letters an event the operator failed on (once) and skips it from now on. */
  reject(event: TableEvent, error: unknown, stage: string): Promise<void>;
  /**
   * Resolves once every message in the tables' logs as of the call has been read. One offsets request
   * when nothing changed; waits (up to `timeoutMs`, then a transient error) only for what is new.
   */
  catchUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** What the tables' reader needs: clients, names, the tables and how to decode them. */
export interface TableReaderDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  /** Prefix of the reader's private consumer group, e.g. the processor's group id. */
  readonly groupPrefix: string;
  /** The consumer its dead letters name (the processor, e.g. `processor:control-safety`). */
  readonly consumer?: string;
  readonly tables: readonly TopicKey[];
  readonly decode: TableDecoder;
}

const positionKey = (topic: string, partition: number, offset: string): string =>
  `${topic}:${partition}:${offset}`;

/**
 * Starts reading the tables from their beginning with a consumer group of its own (kafkajs has no
 * group-less consumer), so every instance gets every partition; nothing is ever committed and the group
 * is deleted on stop. Resolves once the tables are read up to their ends at start.
 *
 * Poison table events go to the table's dead-letter topic like any input's, once: letters already on
 * the dead-letter topic at start are not written again (two instances starting at the same moment can
 * both write one; letters name their source position, so tooling can tell).
 */
export async function startTableReader(deps: TableReaderDeps): Promise<TableReader> {
  const { kafka, names, logger, tables } = deps;
  const topics = tables.map((key) => names.topic(key));
  const tableIndex = new Map(tables.map((key, index) => [names.topic(key), index]));
  const groupId = `${deps.groupPrefix}.tables.${randomBytes(4).toString('hex')}`;
  const events: TableEvent[] = [];
  const rejected = new Set<TableEvent>();
  // topic:partition -> next offset not yet read.
  const seen = new Map<string, bigint>();
  const waiters = new Set<() => void>();
  const lettered = new Set<string>();

  for (const key of tables) {
    for (const { message } of await readTopicToEnd(kafka, names.deadLetter(key))) {
      const h = message.headers ?? {};
      lettered.add(
        positionKey(
          String(h[DEAD_LETTER_HEADERS.sourceTopic] ?? ''),
          Number(String(h[DEAD_LETTER_HEADERS.sourcePartition] ?? '-1')),
          String(h[DEAD_LETTER_HEADERS.sourceOffset] ?? ''),
        ),
      );
    }
  }

  const admin: Admin = kafka.admin();
  await admin.connect();
  const producer: Producer = createProducer(kafka);
  await producer.connect();
  const letters = createDeadLetterPublisher(producer);

  const letterOnce = async (
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    stage: string,
  ): Promise<void> => {
    const at = positionKey(topic, partition, message.offset);
    if (lettered.has(at)) return;
    const key = names.keyOf(topic);
    if (key === undefined) return;
    await letters.publish(names.deadLetter(key), [
      deadLetterOf({ topic, partition }, message, error, stage, deps.consumer),
    ]);
    lettered.add(at);
  };

  const advance = (topic: string, partition: number, next: bigint): void => {
    const key = `${topic}:${partition}`;
    if ((seen.get(key) ?? 0n) >= next) return;
    seen.set(key, next);
    for (const wake of waiters) wake();
  };

  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  // Batches of only transaction markers never reach eachBatch, yet they count towards the log end.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
    advance(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n),
  );
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const table = tableIndex.get(batch.topic) ?? 0;
      const key = tables[table];
      if (key === undefined) return;
      for (const message of batch.messages) {
        // A restarted consumer starts over from the beginning (nothing is committed).
        if (BigInt(message.offset) < (seen.get(`${batch.topic}:${batch.partition}`) ?? 0n)) continue;
        const decoded = await deps.decode(key, message);
        if (decoded instanceof Poison) {
          await letterOnce(batch.topic, batch.partition, message, decoded.error, decoded.stage);
        } else if (decoded !== undefined) {
          const { type, value, occurredAt } = decoded;
          events.push({
            key,
            type,
            value,
            position: { occurredAt, table, partition: batch.partition, offset: BigInt(message.offset) },
          });
        }
        advance(batch.topic, batch.partition, BigInt(message.offset) + 1n);
      }
    },
  });

  const catchUp = async (timeoutMs = 30_000): Promise<void> => {
    const targets = (
      await Promise.all(
        topics.map(async (topic) =>
          (
            await admin.fetchTopicOffsets(topic)
          ).map((o) => ({
            key: `${topic}:${o.partition}`,
            low: BigInt(o.low),
            high: BigInt(o.high),
          })),
        ),
      )
    ).flat();
    const behind = () => targets.filter((t) => t.high > t.low && (seen.get(t.key) ?? 0n) < t.high);
    if (behind().length === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new EaioError(
            'SOURCE_LAGGING',
            'transient',
            `Tables not read up to their ends within ${timeoutMs} ms: ${behind()
              .map((t) => t.key)
              .join(', ')}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (behind().length > 0) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  };

  try {
    await catchUp(60_000);
  } catch (error) {
    await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    throw error;
  }
  logger.info({ group: deps.groupPrefix, tables: topics, events: events.length }, 'tables read');

  return {
    events,
    isRejected: (event) => rejected.has(event),
    async reject(event, error, stage) {
      rejected.add(event);
      const topic = names.topic(event.key);
      // The original bytes are needed for the letter: fetch the one message back from the log.
      const original = (await readTopicToEnd(kafka, topic)).find(
        (m) => m.partition === event.position.partition && BigInt(m.message.offset) === event.position.offset,
      );
      if (original !== undefined) {
        await letterOnce(topic, original.partition, original.message, error, stage);
      }
    },
    catchUp,
    async stop() {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    },
  };
}
