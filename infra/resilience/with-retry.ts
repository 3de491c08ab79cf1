import { isTransient } from '../errors/index.ts';
import { retryTransient } from './retry-transient.ts';

/** Knobs of {@link withRetry}. */
export interface RetryOptions {
  /** Tries in all, the first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Which failures are worth another try; by default the EAIO transient ones. */
  readonly retryable?: (error: unknown) => boolean;
}

/**
 * Runs `work` until it succeeds or `attempts` are spent, through the cockatiel policy of
 * `retryTransient`: exponential backoff with decorrelated jitter, capped at `maxDelayMs` (a back-off
 * between I/O attempts, not a stand-in for readiness). A failure that is not retryable (a poison
 * event, a permanent error) is thrown at once, so the caller can dead-letter it without delay; the
 * last transient one is thrown once the attempts are spent, so the caller fails its batch.
 * `attempt` counts from 1.
 */
export async function withRetry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = retryTransient({
    maxAttempts: options.attempts,
    initialDelayMs: options.baseDelayMs,
    maxDelayMs: options.maxDelayMs,
    // Callers classify their own failures into EAIO errors, so only those count by default.
    retryable: options.retryable ?? isTransient,
  });
  return policy.execute(({ attempt }) => work(attempt + 1));
}
