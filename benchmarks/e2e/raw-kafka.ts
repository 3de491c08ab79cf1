import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';

/** Messages per send: kafkajs 2.2.4 groups a send by partition in quadratic time, so bigger sends are slower. */
const SEND_SIZE = 2_000;

/**
 * The raw produce ceiling: already-encoded messages sent as fast as one plain idempotent producer
 * goes (acks from all replicas, no compression, as the product's producer), in messages/s.
 */
export async function rawProduceRate(
  producer: Producer,
  topic: string,
  messages: readonly Message[],
): Promise<number> {
  const started = performance.now();
  for (let at = 0; at < messages.length; at += SEND_SIZE) {
    await producer.send({
      topic,
      messages: messages.slice(at, at + SEND_SIZE),
      acks: -1,
      compression: CompressionTypes.None,
    });
  }
  return messages.length / ((performance.now() - started) / 1000);
}

/**
 * The raw consume ceiling: a fresh group reads `topic` from the beginning with plain kafkajs,
 * decoding nothing, until `count` messages have arrived. Timed from subscribe to the last message,
 * every batch included (the first one's fetch and the group join are part of what a stage pays).
 */
export async function rawConsumeRate(
  kafka: Kafka,
  groupId: string,
  topic: string,
  count: number,
): Promise<number> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    const started = performance.now();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    const seconds = await new Promise<number>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            seen += batch.messages.length;
            if (seen >= count) resolve((performance.now() - started) / 1000);
          },
        })
        .catch(reject);
    });
    return count / seconds;
  } finally {
    await consumer.disconnect();
  }
}
