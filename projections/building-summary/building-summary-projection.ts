import type { Redis } from 'ioredis';
import { activeGenerationKey, redisGenerationPrefix, redisKeyspace } from '../generation-names.ts';
import type { RedisKeyspace, RedisProjection } from '../projection.ts';
import {
  type BuildingSummaryChanges,
  type BuildingSummaryTopic,
  emptyBuildingSummaryChanges,
  evolveBuildingSummary,
} from './building-summary-changes.ts';
import { applyBuildingSummary } from './building-summary-store.ts';

/** Name of the read model: generations live under `p:building-summary:g<n>:`. */
export const BUILDING_SUMMARY = 'building-summary';

export interface BuildingSummaryOptions {
  /**
   * How long a UTC day's consumption keys are kept after the day ended (ms); default two days, enough
   * for the local day of any zone (UTC-12 to UTC+14) that overlaps it to be read.
   */
  readonly retainMs?: number;
}

/**
 * The live building summary: per building its registration (time zone, station), current electric
 * demand (latest reading per electricity meter), consumption per meter kind bucketed by UTC
 * quarter-hour for "today so far" in the building's local day, and the last applied position per
 * source partition.
 */
export function createBuildingSummaryProjection(
  options: BuildingSummaryOptions = {},
): RedisProjection<BuildingSummaryTopic, BuildingSummaryChanges> {
  const retainMs = options.retainMs ?? 2 * 86_400_000;
  return {
    store: 'redis',
    name: BUILDING_SUMMARY,
    description: 'Per building: current electric demand, consumption so far today per meter kind, time zone.',
    handles: ['sensorReadings', 'buildings'],
    initial: emptyBuildingSummaryChanges,
    evolve: evolveBuildingSummary,
    async apply(redis, keyspace, changes) {
      await applyBuildingSummary(redis, keyspace, changes, retainMs);
    },
  };
}

/**
 * Key space of the generation readers use now (from `p:<name>:active`, which the projector sets), or
 * undefined before the read model has one. Pass it to the readers.
 */
export async function activeBuildingSummaryKeyspace(redis: Redis): Promise<RedisKeyspace | undefined> {
  const generation = await redis.get(activeGenerationKey(BUILDING_SUMMARY));
  return generation === null
    ? undefined
    : redisKeyspace(redisGenerationPrefix(BUILDING_SUMMARY, Number(generation)));
}
