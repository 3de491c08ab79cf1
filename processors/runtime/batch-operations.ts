import type { OperationRecorder } from '../../infra/operations/index.ts';
import { errorCodeOf, type PartitionBatch } from '../../stream-runtime/index.ts';
import { type Committed, NOTHING_COMMITTED } from './commit-batch.ts';

/** Records one handled batch; see {@link batchOperations}. */
export type BatchOperations = (
  batch: PartitionBatch,
  startedAt: number,
  result: { readonly committed: Committed } | { readonly error: unknown },
) => void;

/**
 * One operation `processor.batch:<name>` per batch of messages on the telemetry topic, with what
 * it committed or the code it failed with (batches of markers alone are not work). Nothing without
 * a recorder.
 */
export function batchOperations(
  operations: OperationRecorder | undefined,
  name: string,
  component: string,
): BatchOperations {
  return (batch, startedAt, result) => {
    if (operations === undefined || batch.messages.length === 0) return;
    const committed = 'committed' in result ? result.committed : NOTHING_COMMITTED;
    operations.record({
      component,
      operation: `processor.batch:${name}`,
      durationMs: performance.now() - startedAt,
      ...('error' in result ? { errorCode: errorCodeOf(result.error) } : {}),
      details: {
        topic: batch.topic,
        partition: String(batch.partition),
        messages: String(batch.messages.length),
        produced: String(committed.produced),
        deadLettered: String(committed.deadLettered),
      },
    });
  };
}
