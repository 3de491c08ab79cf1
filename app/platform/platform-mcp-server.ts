import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { EaioMetrics } from '../../infra/metrics/index.ts';
import {
  auditTrailMetrics,
  createKafkaAuditTrail,
  createMcpServerFactory,
  type McpServerOptions,
  type RunningToolAuditTrail,
} from '../../mcp-adapter/index.ts';
import { createQueryLayer, type ToolResultCache } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';

/** What a process adds to the platform's clients for its MCP server. */
export interface PlatformMcpServerOptions extends McpServerOptions {
  /** The process's tool-result cache; the projector invalidates it through the same Redis keys. */
  readonly cache: ToolResultCache;
  /**
   * The audit trail every call is recorded in; required, so no process serves MCP unaudited. Build it
   * with {@link createPlatformAuditTrail} and close it after the server, before the platform.
   */
  readonly audit: RunningToolAuditTrail;
}

/**
 * The audit trail of `eaio start` and `eaio mcp`: `AuditRecord`s on the platform's audit-log topic,
 * Avro-encoded by its codec and sent by its idempotent producer; losses counted in `metrics` (when
 * given) as `eaio_audit_unrecorded_total`.
 */
export function createPlatformAuditTrail(platform: Platform, metrics?: EaioMetrics): RunningToolAuditTrail {
  const topic = platform.names.topic('auditLog');
  return createKafkaAuditTrail({
    producer: () => platform.producer(),
    topic,
    encode: (record) => platform.codec.encode('auditLog', record),
    logger: platform.logger.child({ component: 'audit' }),
    ...(metrics === undefined ? {} : auditTrailMetrics(metrics, topic)),
  });
}

/**
 * The MCP server factory of `eaio start` and `eaio mcp`: the tools over the query layer on the
 * platform's clients and breakers, latest readings through the tool-result cache, the last good
 * answer of each query kept in Redis (so agents still get an answer, flagged stale, while
 * PostgreSQL is down), and every call recorded in the audit trail.
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
  return createMcpServerFactory(queries, options);
}
