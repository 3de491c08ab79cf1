import {
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  handleWhen,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
  retry,
} from 'cockatiel';
import { EaioError, isTransient } from '../errors/index.ts';
import { isNetworkFailure } from './dependency-errors.ts';

/** Knobs of {@link retryTransient}. */
export interface RetryTransientOptions {
  /** Tries in all, the first one included (1 = no retry). */
  readonly maxAttempts: number;
  /** Scale of the first back-off; later ones grow about twice per attempt, with decorrelated jitter. */
  readonly initialDelayMs: number;
  /** No back-off is longer than this. */
  readonly maxDelayMs: number;
  /**
   * Which failures are worth another try; by default transient EAIO errors and raw network failures
   * of pg, ioredis, kafkajs or the registry client. Poison and permanent errors never are.
   */
  readonly retryable?: (error: unknown) => boolean;
}

/** Transient EAIO errors and unclassified network failures: what a new attempt can fix. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof EaioError) return isTransient(error);
  return isNetworkFailure(error);
}

/**
 * The exponential back-off {@link retryTransient} waits with: decorrelated jitter (Polly's "V2"
 * formula, cockatiel's default generator), so many clients that failed together do not retry in step,
 * capped at `maxDelayMs`. Exposed so its bounds can be checked without waiting.
 */
export function transientBackoff(
  options: Pick<RetryTransientOptions, 'initialDelayMs' | 'maxDelayMs'>,
): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return new ExponentialBackoff({
    generator: decorrelatedJitterGenerator,
    initialDelay: options.initialDelayMs,
    maxDelay: options.maxDelayMs,
    exponent: 2,
  });
}

/**
 * A cockatiel retry policy for transient faults: up to `maxAttempts` tries, waiting
 * {@link transientBackoff} between them. Everything else (poison events, permanent errors, bad
 * arguments) is thrown at once. `policy.execute(({ attempt }) => ...)` runs the work; `attempt` counts
 * from 0.
 */
export function retryTransient(options: RetryTransientOptions): RetryPolicy {
  if (!(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `maxAttempts must be an integer >= 1, got ${options.maxAttempts}`,
      { context: { maxAttempts: options.maxAttempts } },
    );
  }
  if (!(options.initialDelayMs >= 0 && options.maxDelayMs >= options.initialDelayMs)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `delays must satisfy 0 <= initialDelayMs (${options.initialDelayMs}) <= maxDelayMs (${options.maxDelayMs})`,
      { context: { initialDelayMs: options.initialDelayMs, maxDelayMs: options.maxDelayMs } },
    );
  }
  const retryable = options.retryable ?? isRetryable;
  // cockatiel counts retries after the first call, the option counts tries.
  return retry(
    handleWhen((error) => retryable(error)),
    {
      maxAttempts: options.maxAttempts - 1,
      backoff: transientBackoff(options),
    },
  );
}
