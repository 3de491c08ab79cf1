import { setTimeout as delay } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { EaioError } from '../errors/index.ts';

/**
 * Waits until every topic's metadata shows all its partitions with a leader. Replaces kafkajs's
 * `waitForLeaders`, which gives up when a KRaft broker briefly answers "does not host this
 * topic-partition" for a topic its metadata cache has not learned yet.
 */
export async function waitForTopics(
  admin: Admin,
  topics: readonly { topic: string; partitions: number }[],
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const notReady = topics.filter((t) => {
        const partitions = found.find((f) => f.name === t.topic)?.partitions ?? [];
        return partitions.length < t.partitions || partitions.some((p) => p.leader < 0);
      });
      if (notReady.length === 0) return;
      last = `not ready: ${notReady.map((t) => t.topic).join(', ')}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new EaioError(
        'STACK_START_FAILED',
        'transient',
        `Topics did not get leaders within ${timeoutMs} ms (${last})`,
      );
    }
    await delay(intervalMs);
  }
}
