import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface TopicMessage {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Reads a topic from its start up to the high-water mark taken when the call begins, then stops: the
 * "consumer that stops" of replays and inspection tools. Uses a throw-away consumer group that it
 * deletes afterwards, so it never moves any real group's offsets.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string): Promise<TopicMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `eaio-reader-${randomBytes(4).toString('hex')}`;
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(topic)).map((p) => [
        p.partition,
        { low: BigInt(p.low), high: BigInt(p.high) },
      ]),
    );
    const pending = new Set([...ends].filter(([, o]) => o.high > o.low).map(([partition]) => partition));
    const messages: TopicMessage[] = [];
    if (pending.size === 0) return messages;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        // A crash kafkajs does not restart from (a coordinator that forgot the member or moved,
        // after a cut connection) leaves the consumer disconnected for good, and `run` resolved
        // long before: without this the read would wait forever, and with it a processor rebuilding
        // a partition's state, whose batch loop then stopped for good with no error logged.
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart)
            reject(
              new Error(`reading ${topic} to its end: the consumer crashed: ${payload.error.message}`, {
                cause: payload.error,
              }),
            );
        });
        // Progress is read from batch events, not messages: a transactional topic ends with commit
        // markers that are never handed to eachMessage, yet they count towards the high-water mark.
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          if (BigInt(payload.lastOffset) + 1n >= (ends.get(payload.partition)?.high ?? 0n)) {
            pending.delete(payload.partition);
            if (pending.size === 0) resolve();
          }
        });
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              if (BigInt(message.offset) < (ends.get(partition)?.high ?? 0n))
                messages.push({ topic, partition, message });
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return messages.sort(
      (a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
    );
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
