import type { Redis } from 'ioredis';
import { activeGenerationKey, redisGenerationPrefix, redisKeyspace } from '../generation-names.ts';
import type { RedisKeyspace, RedisProjection } from '../projection.ts';
import {
  type CurrentWeatherChanges,
  type CurrentWeatherTopic,
  emptyCurrentWeatherChanges,
  evolveCurrentWeather,
} from './current-weather-changes.ts';
import { applyCurrentWeather } from './current-weather-store.ts';

/** Name of the read model: generations live under `p:current-weather:g<n>:`. */
export const CURRENT_WEATHER = 'current-weather';

/**
 * Current weather per station (each measurement's newest non-null value, compare-and-set on (event
 * time, offset)) and each building's station, for the per-building answer joined at read time.
 */
export const currentWeatherProjection: RedisProjection<CurrentWeatherTopic, CurrentWeatherChanges> = {
  store: 'redis',
  name: CURRENT_WEATHER,
  description: 'Per weather station: the newest value of each measurement; per building: its station.',
  handles: ['weatherObservations', 'buildings'],
  initial: emptyCurrentWeatherChanges,
  evolve: evolveCurrentWeather,
  apply: applyCurrentWeather,
};

/**
 * Key space of the generation readers use now (from `p:<name>:active`, which the projector sets), or
 * undefined before the read model has one. Pass it to the readers.
 */
export async function activeCurrentWeatherKeyspace(redis: Redis): Promise<RedisKeyspace | undefined> {
  const generation = await redis.get(activeGenerationKey(CURRENT_WEATHER));
  return generation === null
    ? undefined
    : redisKeyspace(redisGenerationPrefix(CURRENT_WEATHER, Number(generation)));
}
