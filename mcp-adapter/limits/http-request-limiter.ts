import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { RateLimitMetrics } from '../../infra/metrics/index.ts';
import {
  burstyLimit,
  clientKey,
  DEFAULT_RATE_LIMIT_WINDOWS,
  followLimits,
  memoryLimiterFactory,
  type RateLimitSettings,
  type RateLimitSource,
  type RateLimitWindows,
  redisLimiterFactory,
  redisUsable,
} from './rate-limit-settings.ts';

/**
 * Admits an HTTP request, or answers it (429 with `Retry-After`) and resolves false; the caller then
 * stops handling it.
 */
export type HttpRequestLimiter = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Options of {@link createHttpRequestLimiter}. */
export interface HttpRequestLimiterOptions {
  /** The platform's client: counters live under its key prefix, shared by every adapter instance. */
  readonly redis: Redis;
  /** The `mcp.rateLimit` section (its `requestsPerMinute` and `burst`), or a function reading the running one. */
  readonly limits: RateLimitSource;
  readonly metrics?: RateLimitMetrics;
  /** Windows of the limits; tests shorten them. */
  readonly windows?: Partial<Pick<RateLimitWindows, 'sustainedSeconds' | 'burstSeconds'>>;
  /**
   * Who the request is from. By default the subject of the verified token the auth layer put on
   * `req.auth` (the SDK's convention), else the remote address. Never an unverified token's claims:
   * a forged subject would give a client as many limits as it likes.
   */
  readonly clientOf?: (req: IncomingMessage) => string;
  /** Key namespace under the client's key prefix; default `mcp`. */
  readonly namespace?: string;
}

/** The verified subject the auth layer attached to the request, when there is one. */
function verifiedSubject(req: IncomingMessage): string | undefined {
  const auth = (req as IncomingMessage & { auth?: { extra?: Record<string, unknown> } }).auth;
  const subject = auth?.extra?.subject;
  return typeof subject === 'string' && subject !== '' ? subject : undefined;
}

/** The default client of a request: `sub:<verified subject>`, else `ip:<remote address>`. */
export function httpClientOf(req: IncomingMessage): string {
  const subject = verifiedSubject(req);
  return subject === undefined ? `ip:${req.socket.remoteAddress ?? 'unknown'}` : `sub:${subject}`;
}

/**
 * The HTTP session limit of the MCP endpoint: each client may send `requestsPerMinute` requests per
 * minute with a `burst` above it, counted in Redis (`mcp:rl-http:<client>`) so every adapter instance
 * shares the count. Over it, the request is answered `429 Too Many Requests` with `Retry-After` in
 * seconds and a JSON body saying when to retry. While Redis is unreachable the same limits are kept
 * per process (counted in `eaio_mcp_rate_limit_fallback_total{limiter="http"}`): refusing every
 * request would take the whole adapter down with Redis.
 */
export function createHttpRequestLimiter(options: HttpRequestLimiterOptions): HttpRequestLimiter {
  const windows = { ...DEFAULT_RATE_LIMIT_WINDOWS, ...options.windows };
  const prefix = `${options.namespace ?? 'mcp'}:rl-http`;
  const clientOf = options.clientOf ?? httpClientOf;
  const { metrics } = options;
  const build = (make: Parameters<typeof burstyLimit>[0]) => (limits: RateLimitSettings) =>
    burstyLimit(
      make,
      prefix,
      limits.requestsPerMinute,
      windows.sustainedSeconds,
      limits.burst,
      windows.burstSeconds,
    );
  const onRedis = followLimits(options.limits, build(redisLimiterFactory(options.redis)));
  const inProcess = followLimits(options.limits, build(memoryLimiterFactory));
  const usable = redisUsable(options.redis);

  return async (req, res) => {
    const client = clientOf(req);
    const key = clientKey(client);
    let refused: Awaited<ReturnType<ReturnType<typeof onRedis>['built']['consume']>>;
    try {
      await usable();
      refused = await onRedis().built.consume(key);
    } catch {
      metrics?.countRateLimitFallback('http');
      refused = await inProcess().built.consume(key);
    }
    if (refused === undefined) return true;
    metrics?.countRateLimited('http', 'client');
    const retryAfterSeconds = Math.max(1, Math.ceil(refused.retryInMs / 1000));
    const { requestsPerMinute, burst } = onRedis().limits;
    res
      .writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(retryAfterSeconds),
      })
      .end(
        JSON.stringify({
          error: 'rate_limited',
          message: `Too many requests from ${client}: the limit is ${requestsPerMinute} per ${windows.sustainedSeconds} s with a burst of ${burst}. Retry in ${retryAfterSeconds} s.`,
          retryAfterSeconds,
        }),
      );
    return false;
  };
}
