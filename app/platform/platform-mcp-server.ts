import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { ConfigStore } from '../../infra/config/index.ts';
import type { EaioMetrics } from '../../infra/metrics/index.ts';
import {
  createMcpServerFactory,
  createRedisToolCallLimiter,
  type McpServerOptions,
} from '../../mcp-adapter/index.ts';
import { createQueryLayer, type ToolResultCache } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';

/** What a process adds to the platform's clients for its MCP server. */
export interface PlatformMcpServerOptions extends McpServerOptions {
  /** The process's tool-result cache; the projector invalidates it through the same Redis keys. */
  readonly cache: ToolResultCache;
  /** The process's metrics: tool calls, rate-limit refusals and fallbacks. */
  readonly metrics?: EaioMetrics;
  /**
   * The running configuration: the rate limits follow its `mcp.rateLimit` section from the next call
   * after a reload. Without it, the limits the platform started with.
   */
  readonly config?: ConfigStore;
}

/**
 * The MCP server factory of `eaio start` and `eaio mcp`: the tools over the query layer on the
 * platform's clients and breakers; every read tool's answers through the tool-result cache; every call
 * under the rate limits of `mcp.rateLimit`, counted in Redis so they hold across adapter instances and
 * restarts; and the last good answer of each query kept in Redis, so agents still get an answer
 * (flagged stale) while PostgreSQL is down.
 */
export function platformMcpServerFactory(
  platform: Platform,
  { cache, config, ...options }: PlatformMcpServerOptions,
): McpServerFactory {
  // The registration caches whole tool answers; a second cache under the lookups would only make a
  // tool-level miss look fresh while it was not.
  const queries = createQueryLayer({
    ...platform,
    keepLastKnownGood: true,
    logger: platform.logger.child({ component: 'query-layer' }),
  });
  const limiter =
    options.limiter ??
    createRedisToolCallLimiter({
      redis: platform.redis,
      limits: () => (config?.current().config ?? platform.config).mcp.rateLimit,
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
  return createMcpServerFactory(queries, { ...options, cache, limiter });
}
