import type { PartitionLag } from '../../infra/kafka/index.ts';

/** One input topic of a stage, and whether its producers write it in transactions. */
export interface StageInput {
  readonly topic: string;
  /**
   * Processor outputs are written in transactions, so each partition ends with a commit marker that
   * a consumer with nothing after it never commits past: one offset of lag per partition is that
   * marker, not an unprocessed event.
   */
  readonly transactional: boolean;
}

/**
 * Events `group` still has to read on its inputs: the per-partition lag the consumer-lag reader
 * computed (high-water mark minus committed offset), less the trailing commit marker on a
 * transactional topic, never below zero, summed over the partitions of every input.
 */
export function stageLag(
  lags: readonly PartitionLag[],
  group: string,
  inputs: readonly StageInput[],
): number {
  const transactional = new Map(inputs.map((input) => [input.topic, input.transactional]));
  let total = 0n;
  for (const lag of lags) {
    if (lag.group !== group) continue;
    const marker = transactional.get(lag.topic);
    if (marker === undefined) continue;
    const behind = lag.lag - (marker && lag.high > 0n ? 1n : 0n);
    if (behind > 0n) total += behind;
  }
  return Number(total);
}
