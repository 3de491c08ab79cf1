import type { Consumer } from 'kafkajs';
import type { PartitionProducers } from './partition-producers.ts';
import { maxBig, type PartitionRun } from './partition-run.ts';
import type { PartitionReplay } from './replay-partition.ts';
import type { ProcessorScope } from './runtime-definition.ts';

/** The partition numbers this member runs, each with its operator state and buffers. */
export interface PartitionRuns {
  /**
   * The run of a partition number, rebuilt from the committed offsets when first seen. `beforeFence`
   * runs first in that case, before this member's producer fences every other of the partition
   * number: it must throw when this member may no longer own the partition.
   */
  runFor(partition: number, beforeFence?: () => Promise<void>): Promise<PartitionRun>;
  /**
   * A batch of only transaction markers moved an input's log end: the run whose merge may go on,
   * or undefined when the partition number is not running yet (the end is kept for when it is).
   */
  markersPassed(topic: string, partition: number, next: bigint): PartitionRun | undefined;
  /**
   * Throws a partition number's state and buffers away and rewinds its inputs to the committed
   * offsets: buffered events were acknowledged to kafkajs, which would otherwise fetch on after them.
   */
  fail(partition: number): void;
  /** Drops the runs of partition numbers no longer assigned: one may come back after another member moved it on. */
  keepOnly(assigned: ReadonlySet<number>): void;
  /** Ends every operator, on stop. */
  close(): void;
}

/** The runs of one processor's consumer, each fenced by its partition number's producer before it is rebuilt. */
export function createPartitionRuns(
  scope: ProcessorScope,
  consumer: Consumer,
  producers: PartitionProducers,
  replay: PartitionReplay,
): PartitionRuns {
  const { admin, groupId, inputTopics, logger, definition } = scope;
  const runs = new Map<number, PartitionRun>();
  // Log ends learnt from batches of only transaction markers, for partition numbers not yet running.
  const markerEnds = new Map<string, bigint>();

  const drop = (partition: number): void => {
    runs.get(partition)?.operator.subscription.unsubscribe();
    runs.delete(partition);
    for (const topic of inputTopics) markerEnds.delete(`${topic}:${partition}`);
  };

  return {
    async runFor(partition, beforeFence) {
      const existing = runs.get(partition);
      if (existing !== undefined) return existing;
      await beforeFence?.();
      // Fence first: an old owner could otherwise still commit after the offsets are read below.
      await producers.fresh(partition);
      const committed = await admin.fetchOffsets({ groupId, topics: [...inputTopics] });
      const from = new Map<string, bigint>();
      const until = new Map<string, bigint>();
      const ends = new Map<string, bigint>();
      for (const topic of inputTopics) {
        const offsets = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
        const low = BigInt(offsets?.low ?? '0');
        const at = committed
          .find((c) => c.topic === topic)
          ?.partitions.find((p) => p.partition === partition);
        const position = at === undefined || BigInt(at.offset) < 0n ? low : BigInt(at.offset);
        from.set(topic, low);
        until.set(topic, position);
        ends.set(topic, BigInt(offsets?.high ?? '0'));
      }
      const partitionRun = await replay(partition, from, until);
      for (const cursor of partitionRun.cursors) {
        cursor.end = maxBig(ends.get(cursor.topic) ?? 0n, cursor.seen);
        cursor.seen = maxBig(cursor.seen, markerEnds.get(`${cursor.topic}:${partition}`) ?? 0n);
      }
      runs.set(partition, partitionRun);
      return partitionRun;
    },

    markersPassed(topic, partition, next) {
      const partitionRun = runs.get(partition);
      const cursor = partitionRun?.cursors.find((c) => c.topic === topic);
      if (partitionRun === undefined || cursor === undefined) {
        markerEnds.set(`${topic}:${partition}`, next);
        return undefined;
      }
      if (cursor.buffer.length === 0 && next > cursor.seen) cursor.seen = next;
      return partitionRun;
    },

    fail(partition) {
      for (const cursor of runs.get(partition)?.cursors ?? []) {
        try {
          consumer.seek({ topic: cursor.topic, partition, offset: cursor.committed.toString() });
        } catch (error) {
          // Not running (stopping, or between restarts): a restart rejoins at the committed offsets anyway.
          logger.warn({ processor: definition.name, partition, err: error }, 'could not rewind input');
        }
      }
      drop(partition);
    },

    keepOnly(assigned) {
      for (const partition of [...runs.keys()]) if (!assigned.has(partition)) drop(partition);
    },

    close() {
      for (const partitionRun of runs.values()) partitionRun.operator.subscription.unsubscribe();
    },
  };
}
