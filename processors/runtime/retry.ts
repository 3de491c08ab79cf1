import { setTimeout as delay } from 'node:timers/promises';
import { isTransient } from '../../infra/errors/index.ts';

export interface RetryOptions {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Which failures are worth another try; by default the EAIO transient ones. */
  readonly retryable?: (error: unknown) => boolean;
}

/**
 * Runs `work` until it succeeds or `attempts` are spent, waiting with exponential backoff and full
 * jitter between tries (a back-off between I/O attempts, not a stand-in for readiness).
 */
export async function withRetry<T>(work: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !retryable(error)) throw error;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      await delay(Math.random() * ceiling);
    }
  }
}
