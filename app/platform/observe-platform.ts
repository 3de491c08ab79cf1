import type { Admin } from 'kafkajs';
import type { EaioConfig } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import {
  consumerLagCheck,
  type HealthCheck,
  kafkaCheck,
  postgresCheck,
  redisCheck,
  registryCheck,
} from '../../infra/health/index.ts';
import { createConsumerLagReader, type WatchedGroup } from '../../infra/kafka/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import {
  createMetrics,
  DEFAULT_METRICS_HOST,
  DEFAULT_METRICS_PORT,
  type EaioMetrics,
  startMetricsServer,
} from '../../infra/metrics/index.ts';
import { PROJECTIONS } from '../../projections/index.ts';
import type { TopicKey } from '../../schemas/index.ts';
import type { Platform } from './connect-platform.ts';

/** Where a process serves metrics and health, and what readiness watches. */
export interface ObservePlatformOptions {
  /** The registry the platform's codec talks to (endpoints, not config: the stack may have moved it). */
  readonly registryUrl: string;
  /** Consumer groups whose lag is exported and gates readiness. */
  readonly groups: readonly WatchedGroup[];
  readonly host?: string;
  readonly port?: number;
  /** Paths per endpoint; `/metrics`, `/health/live` and `/health/ready` by default. */
  readonly metricsPaths?: readonly string[];
  readonly livenessPaths?: readonly string[];
  readonly readinessPaths?: readonly string[];
  /** Metrics already handed to components (created before them); a fresh set otherwise. */
  readonly metrics?: EaioMetrics;
  /** Readiness fails while any watched partition is further behind than this. */
  readonly maxLag?: number;
  /** Checks of the process's own components (e.g. the weather poller), run after the dependency checks. */
  readonly readiness?: readonly HealthCheck[];
  readonly logger: Logger;
}

/** A process's metrics and, when its port was free, the server exposing them. */
export interface PlatformObservability {
  readonly metrics: EaioMetrics;
  /** Base URL of `/metrics` and `/health/*`; undefined when the port was taken. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/**
 * Metrics and health for a CLI process over the platform's clients: consumer lag of `groups`,
 * readiness on Kafka, the registry, Redis, PostgreSQL and that lag. A taken port is logged and
 * skipped, not fatal: a second `eaio` process on the host still does its work.
 */
export async function observePlatform(
  platform: Platform,
  {
    registryUrl,
    groups,
    host = DEFAULT_METRICS_HOST,
    port = DEFAULT_METRICS_PORT,
    metricsPaths,
    livenessPaths,
    readinessPaths,
    maxLag = 10_000,
    readiness = [],
    logger,
    metrics = createMetrics(),
  }: ObservePlatformOptions,
): Promise<PlatformObservability> {
  const admin: Admin = platform.kafka.admin();
  await admin.connect();
  const lag = createConsumerLagReader({ admin, groups });
  metrics.watchConsumerLag(lag);
  metrics.watchCircuitBreakers(platform.breakers);
  try {
    const server = await startMetricsServer({
      registry: metrics.registry,
      host,
      port,
      logger,
      ...(metricsPaths ? { metricsPaths } : {}),
      ...(livenessPaths ? { livenessPaths } : {}),
      ...(readinessPaths ? { readinessPaths } : {}),
      readiness: [
        kafkaCheck(admin),
        registryCheck(registryUrl),
        redisCheck(platform.redis),
        postgresCheck(platform.pool),
        consumerLagCheck(lag, maxLag),
        ...readiness,
      ],
    });
    return {
      metrics,
      url: server.url,
      async close() {
        await server.close();
        await admin.disconnect();
      },
    };
  } catch (error) {
    if (!(error instanceof EaioError && error.code === 'LISTEN_FAILED')) {
      await admin.disconnect();
      throw error;
    }
    logger.warn({ err: error }, 'metrics and health endpoints not served');
    return { metrics, url: undefined, close: () => admin.disconnect() };
  }
}

/**
 * Where the server listens and what it answers, from the `metrics` and `health` config sections:
 * `/metrics`, and the health paths (`/health/live` and `/health/ready`, plus the configured ones).
 * With `honourEnabled`, an endpoint whose section is not enabled is left out.
 */
export function metricsServerSettings(
  config: EaioConfig,
  { honourEnabled = false }: { readonly honourEnabled?: boolean } = {},
): Pick<ObservePlatformOptions, 'host' | 'port' | 'metricsPaths' | 'livenessPaths' | 'readinessPaths'> {
  const metricsOn = !honourEnabled || config.metrics.enabled;
  const healthOn = !honourEnabled || config.health.enabled;
  return {
    host: config.metrics.host,
    port: config.metrics.port,
    metricsPaths: metricsOn ? ['/metrics'] : [],
    livenessPaths: healthOn ? [...new Set(['/health/live', config.health.livenessPath])] : [],
    readinessPaths: healthOn ? [...new Set(['/health/ready', config.health.readinessPath])] : [],
  };
}

/**
 * For `eaio project` and `eaio process`: serves `/metrics` only when `metrics.enabled` and the
 * health paths only when `health.enabled`, since several such processes on one host would contend
 * for one port.
 */
export async function observeIfEnabled(
  platform: Platform,
  options: Pick<ObservePlatformOptions, 'registryUrl' | 'groups' | 'logger' | 'metrics' | 'readiness'>,
): Promise<PlatformObservability | undefined> {
  const { config } = platform;
  if (!config.metrics.enabled && !config.health.enabled) return undefined;
  const observability = await observePlatform(platform, {
    ...metricsServerSettings(config, { honourEnabled: true }),
    ...options,
  });
  if (observability.url)
    options.logger.info({ url: observability.url }, 'metrics and health endpoints served');
  return observability;
}

/**
 * The live projector's consumer group and every topic a projection handles: named explicitly so a
 * partition the group has never committed on shows its whole backlog as lag.
 */
export function projectorGroup(platform: Platform): WatchedGroup {
  const topics = PROJECTIONS.flatMap((p) => (p.handles as readonly TopicKey[]).map(platform.names.topic));
  return { groupId: `${platform.names.prefix}projector`, topics: [...new Set(topics)] };
}
