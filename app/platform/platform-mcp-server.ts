import type { McpServerFactory } from '@modelcontextprotocol/server';
import type { ConfigStore } from '../../infra/config/index.ts';
import type { EaioMetrics } from '../../infra/metrics/index.ts';
import {
  auditTrailMetrics,
  createHttpRequestLimiter,
  createKafkaAuditTrail,
  createMcpServerFactory,
  createRedisToolCallLimiter,
  createResourceSubscriptions,
  type HttpRequestLimiter,
  type McpServerOptions,
  type ResourceSubscriptions,
  type RunningToolAuditTrail,
} from '../../mcp-adapter/index.ts';
import { createControlEventSink } from '../../processors/index.ts';
import { createQueryLayer, promotionTopicKey, type ToolResultCache } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';
import { createPlatformPipelineAdmin } from './pipeline-admin.ts';

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
 * platform's clients and breakers; every read tool's answers through the tool-result cache; every call
 * under the rate limits of `mcp.rateLimit`, counted in Redis so they hold across adapter instances and
 * restarts; the last good answer of each query kept in Redis, so agents still get an answer (flagged
 * stale) while PostgreSQL is down; and every call recorded in the audit trail.
 * The admin tools reach Kafka through the platform's pipeline port (end offsets, group lag,
 * dead-letter records, re-drive); the control tools send proposals and actions through the
 * platform's idempotent producer.
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
  return createMcpServerFactory(
    {
      ...queries,
      pipeline: createPlatformPipelineAdmin(platform),
      control: createControlEventSink({
        producer: () => platform.producer(),
        codec: platform.codec,
        names: platform.names,
      }),
      promotions: {
        async send(event) {
          const value = await platform.codec.encode('modelPromotions', event);
          await (await platform.producer()).send({
            topic: platform.names.topic('modelPromotions'),
            acks: -1,
            messages: [{ key: promotionTopicKey(event), value }],
          });
        },
      },
    },
    { names: platform.names, registry: platform.registry, ...options, cache, limiter },
  );
}

/**
 * HTTP requests a client may make per tool call it may make: an agent's session also sends
 * `initialize`, `tools/list`, resource reads and notifications, so the session limit sits above the
 * tool-call limit and a client calling tools too fast is told so by the tool's `isError` answer (with
 * the retry time) before its HTTP requests are refused.
 */
const HTTP_REQUESTS_PER_TOOL_CALL = 4;

/**
 * The HTTP session limit of `eaio start` and `eaio mcp`: per verified subject (else remote address),
 * {@link HTTP_REQUESTS_PER_TOOL_CALL} times `mcp.rateLimit` (rate and burst), followed live, counted
 * in Redis; over it, 429 with `Retry-After`.
 */
export function platformHttpRequestLimiter(
  platform: Platform,
  { config, metrics }: { readonly config?: ConfigStore; readonly metrics?: EaioMetrics } = {},
): HttpRequestLimiter {
  return createHttpRequestLimiter({
    redis: platform.redis,
    limits: () => {
      const { requestsPerMinute, burst } = (config?.current().config ?? platform.config).mcp.rateLimit;
      return {
        requestsPerMinute: requestsPerMinute * HTTP_REQUESTS_PER_TOOL_CALL,
        burst: burst * HTTP_REQUESTS_PER_TOOL_CALL,
      };
    },
    ...(metrics === undefined ? {} : { metrics }),
  });
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
