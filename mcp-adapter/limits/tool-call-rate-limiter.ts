import type { Redis } from 'ioredis';
import { EaioError } from '../../infra/errors/index.ts';
import type { RateLimitMetrics } from '../../infra/metrics/index.ts';
import type { ToolCall, ToolCallLimiter } from '../tool-call-policy.ts';
import {
  burstyLimit,
  clientKey,
  DEFAULT_RATE_LIMIT_WINDOWS,
  followLimits,
  type Limit,
  memoryLimiterFactory,
  type RateLimitSettings,
  type RateLimitSource,
  type RateLimitWindows,
  redisLimiterFactory,
  redisUsable,
} from './rate-limit-settings.ts';

/** How long a refused admin or control tool is told to wait for Redis. */
const REDIS_RETRY_MS = 5_000;

/**
 * Redis, which holds the rate limits, is unreachable, and the tool changes the platform: it is refused
 * rather than run unlimited (fail closed). Answered as an `isError` result naming Redis.
 */
export class RateLimitsUnavailableError extends EaioError {
  override readonly name = 'RateLimitsUnavailableError';

  constructor(tool: string, cause: unknown) {
    super(
      'DEPENDENCY_UNAVAILABLE',
      'transient',
      `Redis, which holds the rate limits, is unreachable, so ${tool} (not read-only) is refused rather than run without limits`,
      { cause, context: { dependency: 'redis', tool, retryInMs: REDIS_RETRY_MS } },
    );
  }
}

/** Options of {@link createRedisToolCallLimiter}. */
export interface RedisToolCallLimiterOptions {
  /** The platform's client: the limits' keys live under its key prefix, shared by every adapter instance. */
  readonly redis: Redis;
  /** The `mcp.rateLimit` section, or a function reading the running one (live reload). */
  readonly limits: RateLimitSource;
  readonly metrics?: RateLimitMetrics;
  /** Windows of the limits; tests shorten them. */
  readonly windows?: Partial<RateLimitWindows>;
  /** Key namespace under the client's key prefix; default `mcp`. */
  readonly namespace?: string;
}

type LimitName = 'principal' | 'tool' | 'quota';

interface Limits {
  readonly principal: Limit;
  readonly tools: ReadonlyMap<string, Limit>;
  readonly quota: Limit | undefined;
}

/**
 * Rate limits and quotas of tool calls on Redis (rate-limiter-flexible), so they hold across adapter
 * instances and restarts. Per principal (the caller's subject): `requestsPerMinute` with a `burst`
 * above it (`mcp:rl:<subject>`), a per-tool limit where `tools` names one (`mcp:rl:<subject>:<tool>`),
 * and a `dailyQuota` (`mcp:quota:<subject>`). A refusal throws RATE_LIMITED with `retryInMs`.
 *
 * When Redis is unreachable, read-only tools are checked against the same limits kept in this process
 * (counted in `eaio_mcp_rate_limit_fallback_total`), while tools that change the platform (admin,
 * control) are refused with a {@link RateLimitsUnavailableError}.
 */
export function createRedisToolCallLimiter(options: RedisToolCallLimiterOptions): ToolCallLimiter {
  const windows = { ...DEFAULT_RATE_LIMIT_WINDOWS, ...options.windows };
  const ns = options.namespace ?? 'mcp';
  const { metrics } = options;
  const build =
    (make: typeof memoryLimiterFactory | ReturnType<typeof redisLimiterFactory>) =>
    (limits: RateLimitSettings): Limits => ({
      principal: burstyLimit(
        make,
        `${ns}:rl`,
        limits.requestsPerMinute,
        windows.sustainedSeconds,
        limits.burst,
        windows.burstSeconds,
      ),
      tools: new Map(
        Object.entries(limits.tools ?? {}).map(([tool, perMinute]) => [
          tool,
          burstyLimit(make, `${ns}:rl`, perMinute, windows.sustainedSeconds, 0, windows.burstSeconds),
        ]),
      ),
      quota:
        (limits.dailyQuota ?? 0) > 0
          ? burstyLimit(make, `${ns}:quota`, limits.dailyQuota ?? 0, windows.quotaSeconds, 0, 0)
          : undefined,
    });
  const onRedis = followLimits(options.limits, build(redisLimiterFactory(options.redis)));
  const inProcess = followLimits(options.limits, build(memoryLimiterFactory));
  const usable = redisUsable(options.redis);

  /** The first limit that refuses the call, with when to retry; checked in order, each consuming a point. */
  async function check(limits: Limits, call: ToolCall) {
    const subject = clientKey(call.principal.subject);
    const checks: [LimitName, Limit | undefined, string][] = [
      ['principal', limits.principal, subject],
      ['tool', limits.tools.get(call.tool), `${subject}:${call.tool}`],
      ['quota', limits.quota, subject],
    ];
    for (const [name, limit, key] of checks) {
      const refused = await limit?.consume(key);
      if (refused !== undefined) return { name, ...refused };
    }
    return undefined;
  }

  function describe(name: LimitName, limits: RateLimitSettings, call: ToolCall): string {
    const who = `'${call.principal.subject}'`;
    switch (name) {
      case 'principal':
        return `${who} made ${limits.requestsPerMinute} tool calls in ${windows.sustainedSeconds} s${limits.burst > 0 ? ` (and used its burst of ${limits.burst})` : ''}`;
      case 'tool':
        return `${who} made ${limits.tools?.[call.tool]} calls of ${call.tool} in ${windows.sustainedSeconds} s, its limit for this tool`;
      case 'quota':
        return `${who} used its quota of ${limits.dailyQuota} tool calls per ${Math.round(windows.quotaSeconds / 3600)} h`;
    }
  }

  return {
    async admit(call) {
      const { limits, built } = onRedis();
      let refused: Awaited<ReturnType<typeof check>>;
      try {
        await usable();
        refused = await check(built, call);
      } catch (error) {
        if (!call.readOnly) throw new RateLimitsUnavailableError(call.tool, error);
        // A read-only call is worth answering under per-process limits rather than refusing.
        metrics?.countRateLimitFallback('tools');
        refused = await check(inProcess().built, call);
      }
      if (refused === undefined) return;
      metrics?.countRateLimited('tools', refused.name);
      throw new EaioError('RATE_LIMITED', 'transient', describe(refused.name, limits, call), {
        context: { limit: refused.name, tool: call.tool, retryInMs: refused.retryInMs },
      });
    },
  };
}
