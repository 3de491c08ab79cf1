import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** What a raw read of some topics took: records per topic, and the wall time from subscribe to the last batch. */
export interface RawConsumeResult {
  readonly messages: number;
  readonly seconds: number;
  readonly perTopic: ReadonlyMap<string, number>;
}

/**
 * The ceiling a replay is measured against: a plain kafkajs consumer reads `topics` from the start
 * to the high-water marks taken before it starts, counting records and decoding nothing, in a
 * throwaway group (`<groupPrefix>raw-consume.<random>`) that commits nothing. Read-committed like
 * the projector, so transaction markers are passed but not counted.
 */
export async function rawConsume(
  kafka: Kafka,
  topics: readonly string[],
  groupPrefix: string,
  signal?: AbortSignal,
): Promise<RawConsumeResult> {
  const admin = kafka.admin();
  await admin.connect();
  /** Partitions still to read, by `topic/partition`, with the offset past their last record. */
  const remaining = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}/${p.partition}`, BigInt(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const perTopic = new Map<string, number>(topics.map((t) => [t, 0]));
  if (remaining.size === 0) return { messages: 0, seconds: 0, perTopic };

  const consumer = kafka.consumer({
    groupId: `${groupPrefix}raw-consume.${randomBytes(3).toString('hex')}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 500,
  });
  await consumer.connect();
  const started = performance.now();
  let finishedAt = started;
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const abort = () => reject(signal?.reason ?? new Error('raw consume aborted'));
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      consumer
        .run({
          autoCommit: false,
          partitionsConsumedConcurrently: 4,
          eachBatch: async ({ batch }) => {
            perTopic.set(batch.topic, (perTopic.get(batch.topic) ?? 0) + batch.messages.length);
            const id = `${batch.topic}/${batch.partition}`;
            const end = remaining.get(id);
            // lastOffset() covers control records too, so a partition ending in a commit marker finishes.
            if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) {
              remaining.delete(id);
              if (remaining.size === 0) {
                finishedAt = performance.now();
                signal?.removeEventListener('abort', abort);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  const messages = [...perTopic.values()].reduce((sum, n) => sum + n, 0);
  return { messages, seconds: (finishedAt - started) / 1000, perTopic };
}
