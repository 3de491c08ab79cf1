import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { DEAD_LETTER_HEADERS, headerText } from '../../stream-runtime/index.ts';
import { buffered, type InputDecoder } from './decode-input.ts';
import { drainMerge } from './drain-merge.ts';
import { type Buffered, type Cursor, createOperator, type PartitionRun } from './partition-run.ts';
import type { ProcessorScope } from './runtime-definition.ts';

/**
 * A fresh run for a partition number, fed its inputs' logs from `from` up to `until` (per input
 * topic) through the same merge as live, with everything available; outputs discarded. Events the
 * operator failed on (process-stage dead letters, and `alsoSkip` for letters not yet committed) are
 * left out, as they were live; poison events were dead-lettered when first seen and are passed over.
 */
export type PartitionReplay = (
  partition: number,
  from: ReadonlyMap<string, bigint>,
  until: ReadonlyMap<string, bigint>,
  alsoSkip?: ReadonlyMap<string, ReadonlySet<string>>,
) => Promise<PartitionRun>;

/**
 * Operator state is not stored: it is rebuilt by replaying the log whenever a partition number is
 * first seen, and after the operator failed on an event (see `drain-batch.ts`).
 */
export function createPartitionReplay(scope: ProcessorScope, decodeInput: InputDecoder): PartitionReplay {
  const { definition, kafka, names, logger, inputTopics, processStage, tables } = scope;

  /** Offsets dead-lettered at the process stage, per input topic, for this partition number. */
  const processLetters = async (partition: number): Promise<Map<string, Set<string>>> => {
    const byTopic = new Map<string, Set<string>>();
    for (const key of definition.inputs) {
      const offsets = new Set<string>();
      for (const { message } of await readTopicToEnd(kafka, names.deadLetter(key))) {
        const h = message.headers;
        if (
          headerText(h, DEAD_LETTER_HEADERS.stage) === processStage &&
          headerText(h, DEAD_LETTER_HEADERS.sourceTopic) === names.topic(key) &&
          headerText(h, DEAD_LETTER_HEADERS.sourcePartition) === String(partition)
        ) {
          offsets.add(headerText(h, DEAD_LETTER_HEADERS.sourceOffset) ?? '');
        }
      }
      byTopic.set(names.topic(key), offsets);
    }
    return byTopic;
  };

  return async (partition, from, until, alsoSkip = new Map()) => {
    const skipped = await processLetters(partition);
    const cursors: Cursor[] = [];
    let replayed = 0;
    for (const [index, key] of definition.inputs.entries()) {
      const topic = inputTopics[index] as string;
      const end = until.get(topic) ?? 0n;
      const start = from.get(topic) ?? 0n;
      const skip = new Set([...(skipped.get(topic) ?? []), ...(alsoSkip.get(topic) ?? [])]);
      const buffer: Buffered[] = [];
      if (end > start) {
        for (const { partition: p, message } of await readTopicToEnd(kafka, topic)) {
          const offset = BigInt(message.offset);
          if (p !== partition || offset < start || offset >= end || skip.has(message.offset)) continue;
          buffer.push(buffered(message, await decodeInput(key, message)));
          replayed += 1;
        }
      }
      cursors.push({ key, topic, buffer, position: start, committed: start, seen: end, end });
    }
    const partitionRun: PartitionRun = {
      partition,
      operator: createOperator(definition),
      cursors,
      tableNext: 0,
      pendingTable: [],
    };
    const failure = drainMerge(partitionRun, tables, () => undefined);
    if (failure !== undefined) throw failure.error;
    partitionRun.operator.emitted.length = 0;
    logger.info({ processor: definition.name, partition, replayed }, 'processor state rebuilt from the log');
    return partitionRun;
  };
}
