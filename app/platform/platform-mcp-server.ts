import type { McpServerFactory } from '@modelcontextprotocol/server';
import {
  createMcpServerFactory,
  createResourceSubscriptions,
  type McpServerOptions,
  type ResourceSubscriptions,
} from '../../mcp-adapter/index.ts';
import { createQueryLayer, type ToolResultCache } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';

/** What a process adds to the platform's clients for its MCP server. */
export interface PlatformMcpServerOptions extends McpServerOptions {
  /** The process's tool-result cache; the projector invalidates it through the same Redis keys. */
  readonly cache: ToolResultCache;
}

/**
 * The MCP server factory of `eaio start` and `eaio mcp`: the tools over the query layer on the
 * platform's clients and breakers, latest readings through the tool-result cache, and the last good
 * answer of each query kept in Redis, so agents still get an answer (flagged stale) while PostgreSQL
 * is down.
 */
export function platformMcpServerFactory(
  platform: Platform,
  { cache, ...options }: PlatformMcpServerOptions,
): McpServerFactory {
  const queries = createQueryLayer({
    ...platform,
    cache,
    keepLastKnownGood: true,
    logger: platform.logger.child({ component: 'query-layer' }),
  });
  return createMcpServerFactory(queries, { names: platform.names, registry: platform.registry, ...options });
}

/**
 * The process's resource subscriptions on the platform's Redis: pass them to
 * {@link platformMcpServerFactory} and their `bus` to `startMcpHttpServer`; close them on shutdown.
 */
export function platformResourceSubscriptions(platform: Platform): ResourceSubscriptions {
  return createResourceSubscriptions({
    redis: platform.redis,
    queries: createQueryLayer(platform),
    logger: platform.logger.child({ component: 'mcp-subscriptions' }),
  });
}
