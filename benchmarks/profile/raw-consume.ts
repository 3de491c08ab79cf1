import type { Platform } from '../../app/index.ts';
import { reachedEnd } from '../topic-ends.ts';

/** The ceiling of a stage: plain kafkajs reading the same backlog, doing nothing with it. */
export interface RawConsume {
  readonly events: number;
  readonly ms: number;
}

/**
 * Reads `topics` from the beginning in a fresh group until every partition reaches the end taken
 * before (`ends`), counting messages. Timed from connecting, like a stage, to the last batch.
 */
export async function rawConsume(
  platform: Platform,
  groupId: string,
  ends: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
  transactional: (topic: string) => boolean,
  timeoutMs: number,
): Promise<RawConsume> {
  const started = performance.now();
  const reached = new Map<string, bigint>();
  const pending = () =>
    [...ends].some(([topic, partitions]) =>
      [...partitions].some(
        ([p, end]) => !reachedEnd(reached.get(`${topic}/${p}`) ?? 0n, end, transactional(topic)),
      ),
    );
  let events = 0;
  let lastAt = started;
  const consumer = platform.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...ends.keys()], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`raw consume of ${[...ends.keys()].join(', ')} timed out`)),
        timeoutMs,
      );
      void consumer.run({
        eachBatch: async ({ batch }) => {
          events += batch.messages.length;
          lastAt = performance.now();
          const last = batch.messages.at(-1);
          if (last !== undefined) reached.set(`${batch.topic}/${batch.partition}`, BigInt(last.offset) + 1n);
          if (!pending()) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return { events, ms: lastAt - started };
}
