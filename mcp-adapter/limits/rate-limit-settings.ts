import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** The limits of one client, as the `mcp.rateLimit` config section gives them. */
export interface RateLimitSettings {
  /** Calls (or HTTP requests) one client may make per sustained window (a minute). */
  readonly requestsPerMinute: number;
  /** Extra calls above the sustained rate, refilled once per burst window (10 minutes). */
  readonly burst: number;
  /** Per-tool calls per minute for one client, on top of the client's limit. */
  readonly tools?: Readonly<Record<string, number>>;
  /** Tool calls one client may make per quota window (24 h); 0 or absent: none. */
  readonly dailyQuota?: number;
}

/** The windows the limits count over; tests shorten them. */
export interface RateLimitWindows {
  /** Window of `requestsPerMinute` and of the per-tool limits, seconds (default 60). */
  readonly sustainedSeconds: number;
  /** Window over which the burst allowance refills, seconds (default 600). */
  readonly burstSeconds: number;
  /** Window of `dailyQuota`, seconds (default 86400). */
  readonly quotaSeconds: number;
}

export const DEFAULT_RATE_LIMIT_WINDOWS: RateLimitWindows = {
  sustainedSeconds: 60,
  burstSeconds: 600,
  quotaSeconds: 86_400,
};

/**
 * Limits given as a value or read on every check (e.g. `() => config.current().config.mcp.rateLimit`),
 * so a reloaded config section applies from the next call without a restart.
 */
export type RateLimitSource = RateLimitSettings | (() => RateLimitSettings);

/** A client's key in a limiter: its name with `:` escaped, so `a:b` and `a` + tool `b` never share a key. */
export const clientKey = (name: string): string => encodeURIComponent(name);

/** A refusal: how long until the limit that refused lets a call through again. */
export interface Refusal {
  readonly retryInMs: number;
}

/** One limit: consumes a point for a key, or says when to retry. Throws when its store is unreachable. */
export interface Limit {
  consume(key: string): Promise<Refusal | undefined>;
}

const refusalOf = (error: unknown): Refusal | undefined =>
  error instanceof RateLimiterRes ? { retryInMs: Math.max(1, error.msBeforeNext) } : undefined;

/**
 * A sustained limit with a burst allowance above it (rate-limiter-flexible's bursty scheme): `points`
 * per `seconds`, and once those are spent `burst` more per `burstSeconds`. Both counters are keyed
 * alike under their own prefixes. With `burst` 0 it is the sustained limit alone.
 */
export function burstyLimit(
  make: (prefix: string, points: number, seconds: number) => RateLimiterRedis | RateLimiterMemory,
  prefix: string,
  points: number,
  seconds: number,
  burst: number,
  burstSeconds: number,
): Limit {
  const sustained = make(prefix, points, seconds);
  const extra = burst > 0 ? make(`${prefix}-burst`, burst, burstSeconds) : undefined;
  return {
    async consume(key) {
      try {
        await sustained.consume(key);
        return undefined;
      } catch (error) {
        const refused = refusalOf(error);
        if (refused === undefined) throw error;
        if (extra === undefined) return refused;
        try {
          await extra.consume(key);
          return undefined;
        } catch (burstError) {
          const burstRefused = refusalOf(burstError);
          if (burstRefused === undefined) throw burstError;
          // Whichever window ends first lets a call through again.
          return { retryInMs: Math.min(refused.retryInMs, burstRefused.retryInMs) };
        }
      }
    },
  };
}

/** A limiter on Redis under the client's key prefix; refuses at once (no queueing) while Redis is not connected. */
export const redisLimiterFactory =
  (redis: Redis) =>
  (keyPrefix: string, points: number, duration: number): RateLimiterRedis =>
    new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, rejectIfRedisNotReady: true });

/** A per-process limiter: the insurance used while Redis is unreachable. */
export const memoryLimiterFactory = (
  keyPrefix: string,
  points: number,
  duration: number,
): RateLimiterMemory => new RateLimiterMemory({ keyPrefix, points, duration });

/**
 * Keeps a value built from the current limits, rebuilt only when they change: the limits are read on
 * every check and compared by content (a reload gives a new object even when nothing changed).
 */
export function followLimits<T>(
  source: RateLimitSource,
  build: (limits: RateLimitSettings) => T,
): () => { readonly limits: RateLimitSettings; readonly built: T } {
  const read = typeof source === 'function' ? source : () => source;
  let last: RateLimitSettings | undefined;
  let lastText = '';
  let built: T | undefined;
  return () => {
    const limits = read();
    if (limits !== last) {
      const text = JSON.stringify(limits);
      if (built === undefined || text !== lastText) built = build(limits);
      last = limits;
      lastText = text;
    }
    return { limits, built: built as T };
  };
}

/**
 * A check that Redis can take a limit's command now. While the client makes its first connection (a
 * process just started) checks wait for it, up to `firstConnectMs`, so the first calls are counted in
 * Redis like the rest. Once that attempt is over (connected, refused or timed out), a client that is
 * not connected fails at once: calls are not held up for the length of an outage. Throws when Redis
 * is not usable.
 */
export function redisUsable(redis: Redis, firstConnectMs = 2_000): () => Promise<void> {
  let firstAttemptOver = redis.status === 'ready';
  if (!firstAttemptOver) {
    const over = () => {
      firstAttemptOver = true;
      redis.off('ready', over);
      redis.off('close', over);
    };
    redis.once('ready', over);
    redis.once('close', over);
  }
  let firstAttempt: Promise<void> | undefined;
  const waitForFirstAttempt = () =>
    new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('close', onClose);
        firstAttemptOver = true;
        if (error === undefined) resolve();
        else reject(error);
      };
      const onReady = () => settle();
      const onClose = () => settle(new Error('Redis refused or dropped the first connection'));
      const timer = setTimeout(
        () => settle(new Error(`Redis not connected after ${firstConnectMs} ms (${redis.status})`)),
        firstConnectMs,
      );
      redis.once('ready', onReady);
      redis.once('close', onClose);
    });
  return async () => {
    if (redis.status === 'ready') return;
    const connecting = redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'wait';
    if (firstAttemptOver || !connecting) throw new Error(`Redis connection is ${redis.status}`);
    // One wait shared by every call made during the first connection.
    firstAttempt ??= waitForFirstAttempt();
    await firstAttempt;
  };
}
