import type { Transaction } from 'kafkajs';
import { type RetryOptions, withRetry } from '../infra/resilience/index.ts';

/** What `Transaction.sendOffsets` takes: the consumer group and the offsets to commit with the transaction. */
export type TransactionOffsets = Parameters<Transaction['sendOffsets']>[0];

/** Kafka's error code for CONCURRENT_TRANSACTIONS. */
const CONCURRENT_TRANSACTIONS_CODE = 51;

/** How deep {@link isConcurrentTransactions} looks through wrapping errors. */
const MAX_CAUSE_DEPTH = 5;

/**
 * True for Kafka's CONCURRENT_TRANSACTIONS (error 51): the coordinator is still writing the markers of
 * this producer's previous transaction. Nothing is wrong with the request; it succeeds once the
 * markers are written, usually within milliseconds. Recognised by type or code, also when kafkajs
 * wraps it (`KafkaJSNumberOfRetriesExceeded` after its own retries, or any error's `cause` or
 * `originalError`).
 */
export function isConcurrentTransactions(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth += 1) {
    if (typeof current !== 'object' || current === null) return false;
    const { type, code, cause, originalError } = current as {
      type?: unknown;
      code?: unknown;
      cause?: unknown;
      originalError?: unknown;
    };
    if (type === 'CONCURRENT_TRANSACTIONS') return true;
    // Only a protocol error's numeric code: a Node system error's code is a string.
    if (code === CONCURRENT_TRANSACTIONS_CODE && typeof type === 'string') return true;
    current = cause ?? originalError;
  }
  return false;
}

/**
 * How long {@link sendOffsetsInPlace} waits for the previous transaction's markers: short steps, as
 * the Java client's retry of AddOffsetsToTxn, about 1.5 s in all before the batch fails and is redone.
 */
export const CONCURRENT_TRANSACTIONS_RETRY: RetryOptions = {
  attempts: 20,
  baseDelayMs: 10,
  maxDelayMs: 100,
  retryable: isConcurrentTransactions,
};

/**
 * `transaction.sendOffsets`, retried in place while the broker answers CONCURRENT_TRANSACTIONS.
 * kafkajs sends AddOffsetsToTxn once and throws that answer, so a transaction that commits offsets
 * right after the previous one committed (a batch with no outputs, say) failed its whole batch, which
 * was then redelivered and redone. Any other failure is thrown at once.
 */
export function sendOffsetsInPlace(transaction: Transaction, offsets: TransactionOffsets): Promise<void> {
  return withRetry(() => transaction.sendOffsets(offsets), CONCURRENT_TRANSACTIONS_RETRY);
}
