import {
  Consumer,
  compatibilityPartitioner,
  FetchIsolationLevels,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  type RetryDelayGetter,
} from '@platformatic/kafka';
import type { ClientUnderTest, TransformOptions } from './client-under-test.ts';

export interface PlatformaticClientOptions {
  readonly brokers: readonly string[];
  /**
   * The library retries every failed request after a flat `retryDelay` (1 s by default, 3 times).
   * A transaction begun right after the previous commit is answered CONCURRENT_TRANSACTIONS while the
   * broker writes that commit's markers, so the default turns each such answer into a 1 s stall;
   * left undefined here, the default is what is measured.
   */
  readonly retryDelay?: number | RetryDelayGetter;
  readonly retries?: number;
}

/** Short exponential steps, as kafkajs's 100 ms initial retry and the Java client's 10–100 ms backoff. */
export const SHORT_RETRY_DELAY: RetryDelayGetter = (_client, _operation, attempt) =>
  Math.min(10 * 2 ** attempt, 100);

/**
 * @platformatic/kafka doing the same work as the kafkajs client: idempotent producers with the
 * Java-compatible murmur2 partitioner (its default partitioner is not, see docs/kafka-client.md), a
 * stream consumer, and per batch one transaction carrying the outputs and the consumed offsets.
 */
export function platformaticClient({
  brokers,
  retryDelay,
  retries,
}: PlatformaticClientOptions): ClientUnderTest {
  const base = {
    bootstrapBrokers: [...brokers],
    ...(retryDelay === undefined ? {} : { retryDelay }),
    ...(retries === undefined ? {} : { retries }),
  };
  return {
    name: 'platformatic',

    async produce(topic, messages, batch) {
      const producer = new Producer({
        ...base,
        clientId: 'bench-platformatic-produce',
        idempotent: true,
        partitioner: compatibilityPartitioner,
      });
      try {
        for (let i = 0; i < messages.length; i += batch) {
          await producer.send({
            messages: messages.slice(i, i + batch).map((m) => ({ topic, key: m.key, value: m.value })),
          });
        }
      } finally {
        await producer.close();
      }
    },

    async consume(topic, groupId, count) {
      const consumer = new Consumer({
        ...base,
        clientId: 'bench-platformatic-consume',
        groupId,
        maxWaitTime: 100,
      });
      try {
        const stream = await consumer.consume({
          topics: [topic],
          mode: MessagesStreamModes.EARLIEST,
          autocommit: false,
        });
        let seen = 0;
        for await (const _ of stream) {
          seen += 1;
          if (seen >= count) break;
        }
        await stream.close();
      } finally {
        await consumer.close(true);
      }
    },

    async transform(options: TransformOptions) {
      const { input, output, groupId, transactionalId, count, batch, transform } = options;
      const producer = new Producer({
        ...base,
        clientId: 'bench-platformatic-transform',
        idempotent: true,
        transactionalId,
        partitioner: compatibilityPartitioner,
      });
      const consumer = new Consumer({
        ...base,
        clientId: 'bench-platformatic-transform',
        groupId,
        maxWaitTime: 100,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      });
      try {
        const stream = await consumer.consume({
          topics: [input],
          mode: MessagesStreamModes.COMMITTED,
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
          autocommit: false,
        });
        let committed = 0;
        let pending: Message[] = [];
        // The consumer has no batch API: messages are gathered here, `batch` per transaction, and the
        // last one is cut short only by the known total (a backlog run, so batches always fill).
        for await (const message of stream) {
          pending.push(message);
          if (pending.length < batch && committed + pending.length < count) continue;
          const chunk = pending;
          pending = [];
          const out = await Promise.all(
            chunk.map(async (m) => ({ topic: output, key: m.key, value: await transform(m.value) })),
          );
          // One TxnOffsetCommit per call, so only the last consumed message of each partition is added.
          const lastOfPartition = new Map<number, Message>();
          for (const m of chunk) lastOfPartition.set(m.partition, m);
          const transaction = await producer.beginTransaction();
          try {
            await transaction.send({ messages: out });
            await transaction.addConsumer(consumer);
            for (const m of lastOfPartition.values()) await transaction.addOffset(m);
            await transaction.commit();
          } catch (error) {
            await transaction.abort().catch(() => undefined);
            throw error;
          }
          committed += chunk.length;
          if (committed >= count) break;
        }
        await stream.close();
      } finally {
        await Promise.all([consumer.close(true), producer.close(true)]);
      }
    },

    async close() {},
  };
}
