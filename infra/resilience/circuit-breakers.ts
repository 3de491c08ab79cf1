import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type IBreaker,
  isBrokenCircuitError,
  isTaskCancelledError,
  SamplingBreaker,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { EaioError } from '../errors/index.ts';
import { describeFailure } from '../health/index.ts';
import type { Logger } from '../logging/index.ts';
import { classifyFailure, DEPENDENCY_LABELS, isDependencyFailure } from './dependency-errors.ts';

/** The dependencies that get a breaker: what the query layer, the caches and the codec call. */
export const BREAKER_DEPENDENCIES = ['postgres', 'redis', 'registry'] as const;
export type BreakerDependency = (typeof BREAKER_DEPENDENCIES)[number];

/**
 * `closed`: calls go through. `open`: calls fail at once with DEPENDENCY_UNAVAILABLE until `retryAt`.
 * `half-open`: one probe call is let through; its outcome closes or re-opens the circuit.
 * `isolated`: held open by hand.
 */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** What the health endpoint and the metrics read of one breaker. */
export interface BreakerStatus {
  readonly dependency: BreakerDependency;
  readonly state: BreakerState;
  /** When the breaker entered this state (its creation for a breaker that never changed). */
  readonly since: Date;
  /** The last failure counted against the dependency, as text. */
  readonly lastFailure?: string;
  /** While open: when the next call is let through as a half-open probe. */
  readonly retryAt?: Date;
}

/** When a breaker opens and how long it stays open. */
export interface BreakerOptions {
  /** Opens after this many failures in a row (default 5). Ignored when `sampling` is given. */
  readonly consecutiveFailures?: number;
  /** Opens when this share of calls failed in the last `durationMs`, at `minimumRps` or more calls a second. */
  readonly sampling?: {
    readonly threshold: number;
    readonly durationMs: number;
    readonly minimumRps?: number;
  };
  /** How long an open circuit refuses calls before letting one probe through (default 10 s). */
  readonly halfOpenAfterMs?: number;
}

/** Per call options of {@link DependencyBreaker.execute}. */
export interface BreakerCallOptions {
  /** Gives up on the call after this long; the give-up counts as a failure of the dependency. */
  readonly timeoutMs?: number;
}

/** The breaker of one dependency: every call to it goes through `execute`. */
export interface DependencyBreaker {
  readonly dependency: BreakerDependency;
  /**
   * Runs `work` unless the circuit is open. Failures come back in EAIO form: an open circuit or a
   * timeout as a transient DEPENDENCY_UNAVAILABLE (`context.dependency`, `context.retryInMs`), a
   * network failure as one too (its cause kept); other errors (a bad statement, a poison event) pass
   * unchanged and do not count against the dependency.
   */
  execute<T>(work: (signal: AbortSignal) => Promise<T>, options?: BreakerCallOptions): Promise<T>;
  /** `fn` with every call going through {@link execute}, e.g. a Redis reader: `breakers.redis.wrap(readAnomalyFeed)`. */
  wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
  status(): BreakerStatus;
  /** Milliseconds until an open circuit lets a probe through; 0 when it is not open. */
  retryInMs(): number;
}

/** One breaker per dependency, shared by a process's components. */
export interface CircuitBreakers {
  readonly postgres: DependencyBreaker;
  readonly redis: DependencyBreaker;
  readonly registry: DependencyBreaker;
  /** The state of every breaker, in {@link BREAKER_DEPENDENCIES} order. */
  breakerStates(): readonly BreakerStatus[];
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (status: BreakerStatus) => void): () => void;
}

export interface CircuitBreakersOptions {
  /** State changes are logged here (opening at warn, half-open and closing at info). */
  readonly logger?: Logger;
  readonly postgres?: BreakerOptions;
  readonly redis?: BreakerOptions;
  readonly registry?: BreakerOptions;
}

const STATE_NAMES: Readonly<Record<CircuitState, BreakerState>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

function counterOf(options: BreakerOptions): IBreaker {
  if (options.sampling !== undefined) {
    return new SamplingBreaker({
      threshold: options.sampling.threshold,
      duration: options.sampling.durationMs,
      ...(options.sampling.minimumRps === undefined ? {} : { minimumRps: options.sampling.minimumRps }),
    });
  }
  return new ConsecutiveBreaker(options.consecutiveFailures ?? 5);
}

function createDependencyBreaker(
  dependency: BreakerDependency,
  options: BreakerOptions,
  changed: (status: BreakerStatus) => void,
): DependencyBreaker {
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 10_000;
  const label = DEPENDENCY_LABELS[dependency];
  const policy: CircuitBreakerPolicy = circuitBreaker(
    handleWhen((error) => isDependencyFailure(error) || isTaskCancelledError(error)),
    { breaker: counterOf(options), halfOpenAfter: halfOpenAfterMs },
  );
  let since = new Date();
  let openedAt = 0;

  const lastFailure = (): string | undefined => {
    const last = policy.lastFailure;
    return last !== undefined && 'error' in last ? describeFailure(last.error) : undefined;
  };
  const retryInMs = (): number =>
    policy.state === CircuitState.Open ? Math.max(0, openedAt + halfOpenAfterMs - Date.now()) : 0;

  const status = (): BreakerStatus => {
    const state = STATE_NAMES[policy.state];
    const failure = lastFailure();
    return {
      dependency,
      state,
      since,
      ...(failure === undefined ? {} : { lastFailure: failure }),
      ...(state === 'open' ? { retryAt: new Date(openedAt + halfOpenAfterMs) } : {}),
    };
  };

  policy.onStateChange((state) => {
    since = new Date();
    if (state === CircuitState.Open) openedAt = since.getTime();
    changed(status());
  });

  function unavailable(why: string, cause: unknown): EaioError {
    const wait = retryInMs();
    const retry = wait > 0 ? `; retry in ${Math.ceil(wait / 1000)} s` : '';
    return new EaioError('DEPENDENCY_UNAVAILABLE', 'transient', `${label} is unavailable (${why})${retry}`, {
      cause,
      context: { dependency, retryInMs: wait, circuit: STATE_NAMES[policy.state] },
    });
  }

  async function execute<T>(
    work: (signal: AbortSignal) => Promise<T>,
    callOptions: BreakerCallOptions = {},
  ): Promise<T> {
    try {
      if (callOptions.timeoutMs === undefined) return await policy.execute(({ signal }) => work(signal));
      // Aggressive: the caller gets its answer at the deadline even if the work ignores the signal.
      const bounded = wrap(policy, timeout(callOptions.timeoutMs, TimeoutStrategy.Aggressive));
      return await bounded.execute(({ signal }) => work(signal));
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        const last = lastFailure();
        throw unavailable(`circuit open${last === undefined ? '' : ` after: ${last}`}`, error);
      }
      if (isTaskCancelledError(error)) {
        throw unavailable(`no answer within ${callOptions.timeoutMs} ms`, error);
      }
      throw classifyFailure(dependency, error);
    }
  }

  return {
    dependency,
    execute,
    wrap:
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A) =>
        execute(() => fn(...args)),
    status,
    retryInMs,
  };
}

/**
 * Creates the breakers of a process: one per dependency in {@link BREAKER_DEPENDENCIES}, each with
 * half-open probing. A breaker counts only failures of its dependency (see `isDependencyFailure`), so
 * a bad query or a poison event never opens it.
 */
export function createCircuitBreakers(options: CircuitBreakersOptions = {}): CircuitBreakers {
  const listeners = new Set<(status: BreakerStatus) => void>();
  const changed = (status: BreakerStatus): void => {
    const fields = { dependency: status.dependency, state: status.state, lastFailure: status.lastFailure };
    if (status.state === 'open' || status.state === 'isolated')
      options.logger?.warn({ ...fields, retryAt: status.retryAt }, 'circuit breaker opened');
    else options.logger?.info(fields, `circuit breaker ${status.state}`);
    for (const listener of listeners) listener(status);
  };
  const breakers = {
    postgres: createDependencyBreaker('postgres', options.postgres ?? {}, changed),
    redis: createDependencyBreaker('redis', options.redis ?? {}, changed),
    registry: createDependencyBreaker('registry', options.registry ?? {}, changed),
  };
  return {
    ...breakers,
    breakerStates: () => BREAKER_DEPENDENCIES.map((d) => breakers[d].status()),
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
