import type { TopicKey } from '../../schemas/index.ts';
import { type DeadLetter, deadLetterOf } from '../../stream-runtime/index.ts';
import { drainMerge } from './drain-merge.ts';
import type { Buffered, PartitionRun } from './partition-run.ts';
import type { PartitionReplay } from './replay-partition.ts';
import type { ProcessorScope } from './runtime-definition.ts';

/** A dead letter and the catalogue topic whose dead-letter topic it goes to. */
export interface KeyedLetter {
  readonly key: TopicKey;
  readonly letter: DeadLetter;
}

/** What one drain of a partition run produced, for one transaction to commit. */
export interface DrainedBatch {
  /** What the operator emitted, in order. */
  readonly outputs: readonly unknown[];
  /** Poison events passed over, and events the operator failed on. */
  readonly letters: readonly KeyedLetter[];
  /** Each cursor's buffer before the drain: its entries below the cursor's position now were fed or dead-lettered. */
  readonly buffered: readonly (readonly Buffered[])[];
}

/** Drains a partition run as far as the merge allows; see {@link createBatchDrainer}. */
export type BatchDrainer = (partitionRun: PartitionRun) => Promise<DrainedBatch>;

/**
 * Drains a run as far as the merge allows. When the operator fails on an event, the event is
 * dead-lettered (stage `process:<name>`) and the operator is rebuilt from the log without it (the
 * replay skips offsets dead-lettered at that stage, and those of this drain not yet committed),
 * and the drain carries on.
 */
export function createBatchDrainer(scope: ProcessorScope, replay: PartitionReplay): BatchDrainer {
  const { admin, tables, processStage } = scope;
  const consumer = `processor:${scope.definition.name}`;
  return async (partitionRun) => {
    const buffered = partitionRun.cursors.map((c) => c.buffer.slice());
    const letters: KeyedLetter[] = [];
    const outputs: unknown[] = [];
    for (;;) {
      const failure = drainMerge(partitionRun, tables, (cursor, entry) =>
        letters.push({
          key: cursor.key,
          letter: deadLetterOf(
            { topic: cursor.topic, partition: partitionRun.partition },
            entry.message,
            entry.poison?.error,
            entry.poison?.stage ?? 'decode',
            consumer,
          ),
        }),
      );
      // A loop, not a spread: a backlog drain can emit more values than a call takes arguments.
      for (const output of partitionRun.operator.emitted) outputs.push(output);
      partitionRun.operator.emitted.length = 0;
      if (failure === undefined) break;
      partitionRun.operator.subscription.unsubscribe();
      if (failure.on === 'table') {
        await tables?.reject(failure.event, failure.error, processStage);
      } else {
        letters.push({
          key: failure.cursor.key,
          letter: deadLetterOf(
            { topic: failure.cursor.topic, partition: partitionRun.partition },
            failure.entry.message,
            failure.error,
            processStage,
            consumer,
          ),
        });
      }
      const alsoSkip = new Map<string, Set<string>>();
      for (const { letter } of letters.filter((l) => l.letter.stage === processStage)) {
        const set = alsoSkip.get(letter.sourceTopic) ?? new Set<string>();
        set.add(letter.message.offset);
        alsoSkip.set(letter.sourceTopic, set);
      }
      const from = new Map<string, bigint>();
      const until = new Map<string, bigint>();
      for (const cursor of partitionRun.cursors) {
        const offsets = (await admin.fetchTopicOffsets(cursor.topic)).find(
          (o) => o.partition === partitionRun.partition,
        );
        from.set(cursor.topic, BigInt(offsets?.low ?? '0'));
        until.set(cursor.topic, cursor.position);
      }
      const rebuilt = await replay(partitionRun.partition, from, until, alsoSkip);
      partitionRun.operator = rebuilt.operator;
      partitionRun.tableNext = rebuilt.tableNext;
      // Element by element: a large table (point values) can hold more pending events than a spread
      // may pass as arguments.
      partitionRun.pendingTable.length = 0;
      for (const event of rebuilt.pendingTable) partitionRun.pendingTable.push(event);
    }
    return { outputs, letters, buffered };
  };
}
