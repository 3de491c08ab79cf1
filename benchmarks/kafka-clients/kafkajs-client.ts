import type { Kafka } from 'kafkajs';
import { createProducer } from '../../infra/kafka/index.ts';
import { sendOffsetsInPlace } from '../../stream-runtime/index.ts';
import type { ClientUnderTest, KeyedBytes, TransformOptions } from './client-under-test.ts';

/**
 * kafkajs as the project uses it: the client from `createKafka` (100 ms initial retry, 8 retries),
 * idempotent producers, eachBatch consumers, and the processors' transaction shape (send, then
 * `sendOffsetsInPlace`, then commit).
 */
export function kafkajsClient(kafka: Kafka): ClientUnderTest {
  return {
    name: 'kafkajs',

    async produce(topic, messages, batch) {
      const producer = createProducer(kafka);
      await producer.connect();
      try {
        for (let i = 0; i < messages.length; i += batch) {
          await producer.send({ topic, acks: -1, messages: messages.slice(i, i + batch) as KeyedBytes[] });
        }
      } finally {
        await producer.disconnect();
      }
    },

    async consume(topic, groupId, count) {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        let seen = 0;
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                seen += batch.messages.length;
                if (seen >= count) resolve();
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
    },

    async transform(options: TransformOptions) {
      const { input, output, groupId, transactionalId, count, batch, transform } = options;
      const producer = createProducer(kafka, { transactionalId });
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false });
      await Promise.all([producer.connect(), consumer.connect()]);
      try {
        await consumer.subscribe({ topic: input, fromBeginning: true });
        let committed = 0;
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              autoCommit: false,
              eachBatchAutoResolve: false,
              eachBatch: async ({ batch: fetched, resolveOffset, heartbeat, isRunning }) => {
                for (let i = 0; i < fetched.messages.length && isRunning(); i += batch) {
                  const chunk = fetched.messages.slice(i, i + batch);
                  const last = chunk.at(-1);
                  if (last === undefined) break;
                  const out = await Promise.all(
                    chunk.map(async (m) => ({ key: m.key, value: await transform(m.value as Buffer) })),
                  );
                  const transaction = await producer.transaction();
                  try {
                    await transaction.send({ topic: output, messages: out });
                    await sendOffsetsInPlace(transaction, {
                      consumerGroupId: groupId,
                      topics: [
                        {
                          topic: input,
                          partitions: [
                            { partition: fetched.partition, offset: (BigInt(last.offset) + 1n).toString() },
                          ],
                        },
                      ],
                    });
                    await transaction.commit();
                  } catch (error) {
                    await transaction.abort().catch(() => undefined);
                    throw error;
                  }
                  resolveOffset(last.offset);
                  await heartbeat();
                  committed += chunk.length;
                  if (committed >= count) resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await Promise.all([consumer.disconnect(), producer.disconnect()]);
      }
    },

    async close() {},
  };
}
