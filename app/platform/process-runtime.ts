import {
  type ConfigStore,
  createConfigStore,
  type EaioConfig,
  type ResolvedConfig,
} from '../../infra/config/index.ts';
import type { Logger, LoggerRegistry } from '../../infra/logging/index.ts';
import { createMetrics, type EaioMetrics } from '../../infra/metrics/index.ts';
import { operationRecorderMetrics, type RunningOperationRecorder } from '../../infra/operations/index.ts';
import type { QualityThresholds } from '../../processors/index.ts';
import { createToolResultCache, type ToolResultCache } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';
import { createTelemetryRecorder } from './telemetry-recorder.ts';

/** The tool-result cache's TTL per category, from the `cache` config section. */
export function cacheTtlsOf(cache: EaioConfig['cache']): Record<string, number> {
  return {
    weather: cache.weatherTtlSeconds,
    sensors: cache.sensorsTtlSeconds,
    energy: cache.energyTtlSeconds,
    control: cache.controlTtlSeconds,
    buildings: cache.buildingsTtlSeconds,
  };
}

/**
 * What one `eaio` process shares between its components: one metrics registry, one operation
 * recorder on the telemetry topic, one tool-result cache, and the running configuration whose
 * reloadable sections are applied while running (see {@link createProcessRuntime}).
 */
export interface ProcessRuntime {
  readonly metrics: EaioMetrics;
  readonly operations: RunningOperationRecorder;
  readonly cache: ToolResultCache;
  readonly config: ConfigStore;
  /** The `quality` section now; the data-quality processor reads it when it builds an operator. */
  qualityThresholds(): QualityThresholds;
  /** Stops watching the config and flushes the telemetry still buffered. */
  close(): Promise<void>;
}

/** Options of {@link createProcessRuntime}. */
export interface ProcessRuntimeOptions {
  /** `source` of the telemetry events, e.g. `eaio.start`. */
  readonly source: string;
  /** Watch the config file and SIGHUP (default true; tests turn it off). */
  readonly watchConfig?: boolean;
}

/**
 * Builds a process's shared runtime and wires the reloadable config sections:
 * - `log`: the logger registry is reconfigured, loggers already handed out included;
 * - `cache`: the tool-result cache takes the new TTLs for entries stored from then on;
 * - `quality`: read by the data-quality processor when it next builds a partition's operator (on
 *   assignment), never swapped inside a running one, so one partition's issues come from one set
 *   of thresholds and a replay with the same thresholds gives the same events;
 * - `mcp.rateLimit`: the MCP limiters read the running section on every check (`config.current()`),
 *   so a change applies from the next call; it is logged here.
 */
export function createProcessRuntime(
  platform: Platform,
  resolved: ResolvedConfig,
  loggers: LoggerRegistry,
  { source, watchConfig = true }: ProcessRuntimeOptions,
): ProcessRuntime {
  const logger: Logger = loggers.logger('config');
  const metrics = createMetrics();
  const operations = createTelemetryRecorder({
    producer: () => platform.producer(),
    codec: platform.codec,
    names: platform.names,
    logger: loggers.logger('telemetry'),
    source,
    ...operationRecorderMetrics(metrics, platform.names.topic('telemetry')),
  });
  const cache = createToolResultCache({
    redis: platform.redis,
    breaker: platform.breakers.redis,
    ttlSeconds: cacheTtlsOf(resolved.config.cache),
    onLookup: (lookup) => metrics.countCacheRequest(lookup.category, lookup.outcome === 'hit'),
  });
  const config = createConfigStore(resolved, {
    logger,
    ...(watchConfig ? {} : { watchFile: false, signal: null }),
  });
  const unsubscribe = [
    config.onChange('log', (log) => loggers.configure(log)),
    config.onChange('cache', (section) => {
      try {
        cache.setTtlSeconds(cacheTtlsOf(section));
      } catch (error) {
        logger.error({ err: error }, 'cache TTLs not applied; the previous ones stay');
      }
    }),
    config.onChange('quality', (quality) =>
      logger.info(
        { quality },
        'quality thresholds changed; the data-quality processor applies them from its next partition assignment',
      ),
    ),
    config.onChange('mcp.rateLimit', (rateLimit) =>
      logger.info({ rateLimit }, 'MCP rate limits changed; the MCP limiters apply them from the next call'),
    ),
  ];
  return {
    metrics,
    operations,
    cache,
    config,
    qualityThresholds: () => config.current().config.quality,
    async close() {
      for (const stop of unsubscribe) stop();
      config.close();
      await operations.close();
    },
  };
}
