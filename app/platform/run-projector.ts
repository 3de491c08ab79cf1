import type { WriteStatus } from '../../infra/health/index.ts';
import { groupTimeouts } from '../../infra/kafka/index.ts';
import type { ProjectionMetrics, StreamMetrics } from '../../infra/metrics/index.ts';
import {
  createResourceChangePublisher,
  type ResourceChangePublisher,
  resourceChangesOf,
} from '../../mcp-adapter/index.ts';
import {
  type AnyProjection,
  type BatchOutcome,
  type ConsumedPosition,
  createProjector,
  createToolResultCache,
  detectTimescale,
  PROJECTIONS,
  type ProjectorFailpoints,
  type ToolResultCache,
  tagsToInvalidate,
} from '../../projections/index.ts';
import { createDeadLetterPublisher } from '../../stream-runtime/index.ts';
import type { Platform } from './connect-platform.ts';

export type { ConsumedPosition } from '../../projections/index.ts';

/** The live projector running in this process. */
export interface RunningProjector {
  /** Stops consuming; nothing past the last acknowledged batch is committed. */
  stop(): Promise<void>;
}

/** Options of {@link runProjector}, all optional. */
export interface RunProjectorOptions {
  /** Definitions to host; the catalogue by default. */
  readonly projections?: readonly AnyProjection[];
  /** Test-only hooks (e.g. `eaio project --exit-after-batches`). */
  readonly failpoints?: ProjectorFailpoints;
  /** The process's metrics (consumed, batch sizes, dead letters, projection write latency). */
  readonly metrics?: StreamMetrics & ProjectionMetrics;
  /**
   * The tool-result cache whose entries each batch's events make stale; by default one on the
   * platform's Redis with the default namespace, the one the MCP server reads, so answers are
   * invalidated whichever process serves them.
   */
  readonly cache?: Pick<ToolResultCache, 'invalidateTags'>;
  /**
   * Where each batch's resource changes go (a newer reading of a building and a meter, a building
   * registered), for the MCP subscribers of every adapter instance; by default the platform's Redis.
   */
  readonly resourceChanges?: ResourceChangePublisher;
  /** What each handled batch did; logged at debug level by default. */
  readonly onOutcome?: (outcome: BatchOutcome) => void;
  /** How far the consumer has read each partition, transaction markers included (refold progress). */
  readonly onPosition?: (position: ConsumedPosition) => void;
  /** Told each batch's outcome: `eaio project` serves it as the `projector-writes` readiness check. */
  readonly writes?: Pick<WriteStatus, 'succeeded' | 'failed'>;
}

/**
 * Runs the live projector: every projection of the catalogue in the consumer group
 * `<prefix>projector`, so several processes share the partitions. Each projection's rows and
 * offsets commit together in Postgres; a restarted process resumes from those offsets.
 */
export async function runProjector(
  platform: Platform,
  options: RunProjectorOptions = {},
): Promise<RunningProjector> {
  const {
    onOutcome = (outcome: BatchOutcome) => platform.logger.debug(outcome, 'batch projected'),
    onPosition,
  } = options;
  const { sessionTimeoutMs } = platform.config.kafka;
  const consumer = platform.kafka.consumer({
    groupId: `${platform.names.prefix}projector`,
    allowAutoTopicCreation: false,
    // Not kafkajs's fixed 60 s rebalance wait: a cut connection can leave the ghost of a crashed
    // member (its consumer back under a new member id) that a rebalance would wait for in vain.
    ...groupTimeouts(sessionTimeoutMs),
    // Bounds both the idle long-poll and how long stop() waits for it.
    maxWaitTimeInMs: 1_000,
  });
  await consumer.connect();
  const cache = options.cache ?? createToolResultCache({ redis: platform.redis });
  const resourceChanges = options.resourceChanges ?? createResourceChangePublisher(platform.redis);
  const subscription = createProjector({
    consumer,
    codec: platform.codec,
    deadLetters: createDeadLetterPublisher(await platform.producer()),
    names: platform.names,
    pool: platform.pool,
    redis: platform.redis,
    schema: platform.config.postgres.schema,
    logger: platform.logger,
    projections: options.projections ?? PROJECTIONS,
    context: await detectTimescale(platform.pool),
    ...(onPosition ? { onPosition } : {}),
    ...(options.failpoints ? { failpoints: options.failpoints } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.writes ? { writes: options.writes } : {}),
    // After the batch committed everywhere: cached answers go first, then subscribers are told,
    // so one who re-reads at once is not answered from the cache.
    afterBatch: async (events) => {
      await cache.invalidateTags(tagsToInvalidate(events));
      await resourceChanges.publish(resourceChangesOf(events));
    },
  }).subscribe({
    next: onOutcome,
    error: (error: unknown) => platform.logger.error({ err: error }, 'projector stopped'),
  });
  return {
    async stop() {
      subscription.unsubscribe();
      // Awaiting stop() lets the in-flight batch settle and the member leave the group at once,
      // instead of lingering until its session times out.
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
