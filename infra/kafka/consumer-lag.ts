import type { Admin } from 'kafkajs';
import { EaioError } from '../errors/index.ts';

/** How far one consumer group is behind on one partition. */
export interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset, or null when it has never committed on this partition. */
  readonly committed: bigint | null;
  /** The partition's high-water mark (the offset the next message will get). */
  readonly high: bigint;
  /** Messages not yet committed: high - committed, or high - low when nothing was committed. */
  readonly lag: bigint;
}

/** A consumer group to watch. */
export interface WatchedGroup {
  readonly groupId: string;
  /**
   * The topics it consumes. Without them, the topics the group has committed offsets on, so a
   * component's subscription can change without this list following it; a topic the group has
   * never committed on is then not reported.
   */
  readonly topics?: readonly string[];
}

/** Reads consumer lag; repeated reads within the cache window share one round of admin calls. */
export interface ConsumerLagReader {
  read(): Promise<readonly PartitionLag[]>;
}

export interface ConsumerLagReaderOptions {
  /** A connected admin client; only these two calls are used. */
  readonly admin: Pick<Admin, 'fetchOffsets' | 'fetchTopicOffsets'>;
  readonly groups: readonly WatchedGroup[];
  /** How long a reading is reused, so frequent scrapes and readiness probes stay cheap. */
  readonly cacheMs?: number;
  /** A read that has not answered by then fails with `DEPENDENCY_UNAVAILABLE`. */
  readonly timeoutMs?: number;
  /** Clock for the cache; injectable for tests. */
  readonly now?: () => number;
}

/**
 * Computes lag per partition from the group's committed offsets (`fetchOffsets`) against each
 * topic's high-water marks (`fetchTopicOffsets`). A failed read is cached too: when Kafka is down,
 * scrapes should not pile up admin retries.
 */
export function createConsumerLagReader({
  admin,
  groups,
  cacheMs = 5_000,
  timeoutMs = 3_000,
  now = Date.now,
}: ConsumerLagReaderOptions): ConsumerLagReader {
  let cached: { at: number; result: Promise<readonly PartitionLag[]> } | undefined;

  const readGroup = async (group: WatchedGroup): Promise<PartitionLag[]> => {
    const { groupId } = group;
    const committed = await admin.fetchOffsets(
      group.topics === undefined ? { groupId } : { groupId, topics: [...group.topics] },
    );
    const topics = group.topics ?? committed.map((c) => c.topic);
    const marks = await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
    const lags: PartitionLag[] = [];
    topics.forEach((topic, i) => {
      const byPartition = new Map(
        (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]),
      );
      for (const mark of marks[i] ?? []) {
        const high = BigInt(mark.high);
        const low = BigInt(mark.low);
        const offset = byPartition.get(mark.partition);
        // kafkajs reports "no committed offset" as -1.
        const committedOffset = offset === undefined || BigInt(offset) < 0n ? null : BigInt(offset);
        const from = committedOffset ?? low;
        lags.push({
          group: groupId,
          topic,
          partition: mark.partition,
          committed: committedOffset,
          high,
          lag: high > from ? high - from : 0n,
        });
      }
    });
    return lags;
  };

  const readAll = async (): Promise<readonly PartitionLag[]> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new EaioError(
              'DEPENDENCY_UNAVAILABLE',
              'transient',
              `consumer lag not read within ${timeoutMs} ms`,
              {
                context: { groups: groups.map((g) => g.groupId) },
              },
            ),
          ),
        timeoutMs,
      );
    });
    try {
      const perGroup = await Promise.race([Promise.all(groups.map(readGroup)), timeout]);
      return perGroup.flat();
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    read() {
      const at = now();
      if (cached === undefined || at - cached.at >= cacheMs) {
        const result = readAll();
        // Marked handled here: a caller may never await a cached failure.
        result.catch(() => undefined);
        cached = { at, result };
      }
      return cached.result;
    },
  };
}
