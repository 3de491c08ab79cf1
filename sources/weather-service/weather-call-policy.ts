import { setTimeout as delay } from 'node:timers/promises';
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  isBrokenCircuitError,
} from 'cockatiel';
import { EaioError, isTransient } from '../../infra/errors/index.ts';
import { describeFailure } from '../../infra/health/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import { withRetry } from '../../infra/resilience/index.ts';
import { WEATHER_DEPENDENCY } from './conditional-get.ts';

/** How calls to a weather service are retried and when they stop being made. */
export interface WeatherCallPolicyOptions {
  /** Tries per call, the first included. */
  readonly attempts: number;
  /** First back-off between tries; it grows about twice per try, with jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited out inside a call: the call fails and the next poll waits. */
  readonly maxRetryAfterMs: number;
  /** The circuit opens after this many transient failures in a row. */
  readonly consecutiveFailures: number;
  /** First wait of an open circuit before a probe; it doubles while probes fail, up to `maxHalfOpenAfterMs`. */
  readonly halfOpenAfterMs: number;
  readonly maxHalfOpenAfterMs: number;
  readonly logger?: Logger;
}

/** What health and logs read of the policy. */
export interface WeatherCallStatus {
  readonly circuit: 'closed' | 'open' | 'half-open' | 'isolated';
  /** Set while the service has asked (Retry-After) not to be called before then. */
  readonly notBefore?: Date;
}

/** Runs every request to one weather service through retries, `Retry-After` and one circuit breaker. */
export interface WeatherCallPolicy {
  call<T>(work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Milliseconds until the service said it may be called again (Retry-After); 0 when it did not. */
  waitMs(): number;
  status(): WeatherCallStatus;
}

const CIRCUIT_NAMES: Readonly<Record<CircuitState, WeatherCallStatus['circuit']>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

function retryAfterOf(error: unknown): number | undefined {
  if (!(error instanceof EaioError)) return undefined;
  const wait = error.context.retryAfterMs;
  return typeof wait === 'number' ? wait : undefined;
}

/**
 * The platform's retry (withRetry: exponential back-off with decorrelated jitter) around a cockatiel
 * circuit breaker that counts transient failures only (5xx, 429, timeouts, lost connections), so a
 * malformed body or a refused request never opens it. While the circuit is open, calls fail at once
 * without a request and are not retried; the open time doubles while half-open probes fail, so a
 * service that stays down sees a few probes, not a flood. A `Retry-After` is honoured: the next try
 * (of any call to this service) waits for it.
 */
export function createWeatherCallPolicy(options: WeatherCallPolicyOptions): WeatherCallPolicy {
  const breaker: CircuitBreakerPolicy = circuitBreaker(
    handleWhen((error) => isTransient(error)),
    {
      breaker: new ConsecutiveBreaker(options.consecutiveFailures),
      halfOpenAfter: new ExponentialBackoff({
        initialDelay: options.halfOpenAfterMs,
        maxDelay: options.maxHalfOpenAfterMs,
      }),
    },
  );
  breaker.onStateChange((state) => {
    const circuit = CIRCUIT_NAMES[state];
    if (state === CircuitState.Open)
      options.logger?.warn({ dependency: WEATHER_DEPENDENCY, circuit }, 'circuit breaker opened');
    else options.logger?.info({ dependency: WEATHER_DEPENDENCY, circuit }, `circuit breaker ${circuit}`);
  });
  let notBefore = 0;

  const waitMs = (): number => Math.max(0, notBefore - Date.now());

  async function attempt<T>(work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const wait = waitMs();
    if (wait > 0) await delay(wait, undefined, signal === undefined ? {} : { signal });
    try {
      return await breaker.execute(({ signal: breakerSignal }) =>
        work(signal === undefined ? breakerSignal : AbortSignal.any([breakerSignal, signal])),
      );
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        const last = breaker.lastFailure;
        const after = last !== undefined && 'error' in last ? `: ${describeFailure(last.error)}` : '';
        throw new EaioError(
          'DEPENDENCY_UNAVAILABLE',
          'transient',
          `The weather service is unavailable (circuit open after repeated failures, the last${after})`,
          { context: { dependency: WEATHER_DEPENDENCY, circuit: 'open' } },
        );
      }
      const retryAfter = retryAfterOf(error);
      if (retryAfter !== undefined) notBefore = Math.max(notBefore, Date.now() + retryAfter);
      throw error;
    }
  }

  return {
    call(work, signal) {
      return withRetry(() => attempt(work, signal), {
        attempts: options.attempts,
        baseDelayMs: options.baseDelayMs,
        maxDelayMs: options.maxDelayMs,
        retryable: (error) =>
          isTransient(error) &&
          !(error instanceof EaioError && error.context.circuit === 'open') &&
          (retryAfterOf(error) ?? 0) <= options.maxRetryAfterMs &&
          signal?.aborted !== true,
      });
    },
    waitMs,
    status() {
      const wait = waitMs();
      return {
        circuit: CIRCUIT_NAMES[breaker.state],
        ...(wait > 0 ? { notBefore: new Date(notBefore) } : {}),
      };
    },
  };
}
