import { catchError, concatMap, defer, EMPTY, mergeMap, type OperatorFunction } from 'rxjs';
import type { Logger } from '../infra/logging/index.ts';
import { isConcurrentTransactions } from './send-offsets.ts';

/**
 * Work that must be settled once handled: a partition batch (see `kafkaBatches`), or anything a
 * consumer feeds its loop beside batches (with no-op settling when there is nothing to commit).
 */
export interface SettledWork {
  /** Everything the work did is durable: the consumer may commit past it. */
  ack(): void;
  /** The work failed: nothing is committed and it is delivered again. */
  nack(error: unknown): void;
}

/** How {@link handleEachBatch} runs and reports the work. */
export interface BatchLoopOptions<B, R> {
  readonly logger: Logger;
  /**
   * Batches handled at once (1 by default: strictly one after the other). Each partition stays in
   * order whatever the number, as kafkajs hands a partition its next batch only after the ack.
   */
  readonly concurrency?: number;
  /** Fields naming a batch in the failure log line, e.g. its topic and partition. */
  readonly logFields: (batch: B) => Readonly<Record<string, unknown>>;
  /** The failure log line; `batch failed; will be redelivered` by default. */
  readonly failureMessage?: string;
  /** After a batch was handled and acknowledged; `startedAt` is `performance.now()` when it began. */
  readonly onHandled?: (batch: B, result: R, startedAt: number) => void;
  /**
   * After a batch failed, before it is logged and nacked: e.g. to throw away state built from it,
   * so the redelivered batch meets state as committed.
   */
  readonly onFailed?: (batch: B, error: unknown, startedAt: number) => void;
}

const FAILURE_MESSAGE = 'batch failed; will be redelivered';

/**
 * The consumer loop every stream consumer shares: handles each batch, acknowledges it once `handle`
 * resolves, and on a failure logs it and nacks it (so it is redelivered) without ending the stream.
 * Emits each result that is not undefined.
 */
export function handleEachBatch<B extends SettledWork, R>(
  handle: (batch: B) => Promise<R>,
  options: BatchLoopOptions<B, R>,
): OperatorFunction<B, Exclude<R, undefined>> {
  const { logger, onHandled, onFailed } = options;
  const message = options.failureMessage ?? FAILURE_MESSAGE;
  return mergeMap((batch: B) => {
    const startedAt = performance.now();
    return defer(() => handle(batch)).pipe(
      concatMap((result) => {
        batch.ack();
        onHandled?.(batch, result, startedAt);
        return result === undefined ? EMPTY : [result as Exclude<R, undefined>];
      }),
      catchError((error: unknown) => {
        onFailed?.(batch, error, startedAt);
        // The broker still writing the previous transaction's markers is expected under load and
        // heals on redelivery: a warning, not an error.
        const level = isConcurrentTransactions(error) ? 'warn' : 'error';
        logger[level]({ ...options.logFields(batch), err: error }, message);
        batch.nack(error);
        return EMPTY;
      }),
    );
  }, options.concurrency ?? 1);
}
