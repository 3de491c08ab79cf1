import type { GenerationReport, ProjectionReplayState } from '../../../projections/index.ts';
import { offsetGap, type PipelineTopic } from '../../pipeline-admin.ts';

/** One partition a generation reads: where it stands against the log's end. */
export interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Next offset it will apply; null when it never applied anything there (it starts at the log's start). */
  readonly nextOffset: string | null;
  readonly endOffset: string;
  readonly lag: string;
}

/** Where a generation stands against the log's end, summed over the partitions it reads. */
export interface GenerationProgress {
  readonly partitions: readonly PartitionProgress[];
  /** Messages between its offsets and the end offsets. */
  readonly lag: bigint;
  /** Messages it has passed of those in the log (end minus start), and that total. */
  readonly reached: bigint;
  readonly total: bigint;
}

/**
 * The partitions a generation reads: those of the catalogue topics its projection handles, and any
 * other it has stored offsets on (the dead-letter index reads the dead-letter topics and the audit log).
 */
export function generationProgress(
  state: Pick<ProjectionReplayState, 'handles'>,
  generation: Pick<GenerationReport, 'offsets'>,
  topics: readonly PipelineTopic[],
): GenerationProgress {
  const read = new Set([
    ...topics.filter((t) => !t.deadLetter && state.handles.includes(t.key)).map((t) => t.topic),
    ...generation.offsets.map((o) => o.topic),
  ]);
  const partitions: PartitionProgress[] = [];
  let lag = 0n;
  let reached = 0n;
  let total = 0n;
  for (const topic of topics.filter((t) => read.has(t.topic))) {
    for (const p of topic.partitions) {
      const next =
        generation.offsets.find((o) => o.topic === topic.topic && o.partition === p.partition)?.nextOffset ??
        null;
      const from = next ?? p.low;
      const behind = offsetGap(p.high, from);
      const span = offsetGap(p.high, p.low);
      lag += behind;
      total += span;
      reached += behind < span ? span - behind : 0n;
      partitions.push({
        topic: topic.topic,
        partition: p.partition,
        nextOffset: next,
        endOffset: p.high,
        lag: behind.toString(),
      });
    }
  }
  return { partitions, lag, reached, total };
}

/** Lag per topic, from a generation's partitions. */
export function lagByTopic(partitions: readonly PartitionProgress[]): { topic: string; lag: string }[] {
  const sums = new Map<string, bigint>();
  for (const p of partitions) sums.set(p.topic, (sums.get(p.topic) ?? 0n) + BigInt(p.lag));
  return [...sums].map(([topic, lag]) => ({ topic, lag: lag.toString() }));
}
