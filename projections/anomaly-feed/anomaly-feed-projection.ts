import type { Redis } from 'ioredis';
import { EaioError } from '../../infra/errors/index.ts';
import { activeGenerationKey, redisGenerationPrefix, redisKeyspace } from '../generation-names.ts';
import type { RedisKeyspace, RedisProjection } from '../projection.ts';
import {
  type AnomalyFeedChanges,
  emptyAnomalyFeedChanges,
  evolveAnomalyFeed,
} from './anomaly-feed-changes.ts';
import { applyAnomalyFeed } from './anomaly-feed-store.ts';

/** Name of the read model: generations live under `p:anomaly-feed:g<n>:`. */
export const ANOMALY_FEED = 'anomaly-feed';

export interface AnomalyFeedOptions {
  /** How many anomalies each feed keeps (per building and overall); default 100. */
  readonly cap?: number;
}

/** The newest anomalies per building and overall, each feed capped at `cap`. */
export function createAnomalyFeedProjection(
  options: AnomalyFeedOptions = {},
): RedisProjection<'anomalies', AnomalyFeedChanges> {
  const cap = options.cap ?? 100;
  if (!Number.isInteger(cap) || cap < 1) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `Anomaly feed cap must be a positive integer, got ${cap}`,
      {
        context: { cap },
      },
    );
  }
  return {
    store: 'redis',
    name: ANOMALY_FEED,
    description: `The newest ${cap} anomalies per building and overall, by event time.`,
    handles: ['anomalies'],
    initial: () => emptyAnomalyFeedChanges(cap),
    evolve: evolveAnomalyFeed,
    apply: applyAnomalyFeed,
  };
}

/**
 * Key space of the generation readers use now (from `p:<name>:active`, which the projector sets), or
 * undefined before the read model has one. Pass it to the readers.
 */
export async function activeAnomalyFeedKeyspace(redis: Redis): Promise<RedisKeyspace | undefined> {
  const generation = await redis.get(activeGenerationKey(ANOMALY_FEED));
  return generation === null
    ? undefined
    : redisKeyspace(redisGenerationPrefix(ANOMALY_FEED, Number(generation)));
}
