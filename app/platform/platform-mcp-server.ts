import type { McpServerFactory } from '@modelcontextprotocol/server';
import { createMcpServerFactory, type McpServerOptions } from '../../mcp-adapter/index.ts';
import { createQueryLayer, type ToolResultCache } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';
import { createPlatformPipelineAdmin } from './pipeline-admin.ts';

/** What a process adds to the platform's clients for its MCP server. */
export interface PlatformMcpServerOptions extends McpServerOptions {
  /** The process's tool-result cache; the projector invalidates it through the same Redis keys. */
  readonly cache: ToolResultCache;
}

/**
 * The MCP server factory of `eaio start` and `eaio mcp`: the tools over the query layer on the
 * platform's clients and breakers, latest readings through the tool-result cache, and the last good
 * answer of each query kept in Redis, so agents still get an answer (flagged stale) while PostgreSQL
 * is down. The admin tools reach Kafka through the platform's pipeline port (end offsets, group lag,
 * dead-letter records, re-drive).
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
  return createMcpServerFactory({ ...queries, pipeline: createPlatformPipelineAdmin(platform) }, options);
}
