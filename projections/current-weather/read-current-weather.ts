import type { Redis } from 'ioredis';
import type { RedisKeyspace } from '../projection.ts';
import { WEATHER_FIELDS, type WeatherField } from './current-weather-changes.ts';
import { weatherKeys } from './current-weather-store.ts';

/** A measurement with the time it was observed: fields are kept separately, so their times may differ. */
export interface ObservedValue<T> {
  readonly value: T;
  readonly observedAt: Date;
  readonly eventId: string;
}

/** The current weather at a station: each measurement's newest reported value. */
export interface CurrentWeather {
  readonly stationId: string;
  /** Event time of the station's newest observation. */
  readonly observedAt: Date;
  readonly eventId: string;
  readonly source: string;
  /** Measurements never reported are absent. */
  readonly values: Partial<Record<Exclude<WeatherField, 'conditions'>, ObservedValue<number>>> & {
    readonly conditions?: ObservedValue<string>;
  };
}

/** The weather of a building through its station. */
export interface BuildingWeather {
  readonly buildingId: string;
  /** Null when the building's registration names no station. */
  readonly stationId: string | null;
  /** Undefined when the station has reported nothing yet (or there is no station). */
  readonly weather: CurrentWeather | undefined;
}

/** Splits `r1|r2|r3|a|rest`: the rank's first number (event time) and the payload parts. */
function parts(value: string): { time: number; head: string; tail: string } {
  const [t = '0', , , head = '', ...rest] = value.split('|');
  return { time: Number(t), head, tail: rest.join('|') };
}

function weatherOf(stationId: string, fields: Record<string, string>): CurrentWeather | undefined {
  const observation = fields.observation;
  if (observation === undefined) return undefined;
  const obs = parts(observation);
  const values: Record<string, ObservedValue<number | string>> = {};
  for (const field of WEATHER_FIELDS) {
    const raw = fields[field];
    if (raw === undefined) continue;
    const p = parts(raw);
    values[field] = {
      value: JSON.parse(p.tail) as number | string,
      observedAt: new Date(p.time),
      eventId: p.head,
    };
  }
  return {
    stationId,
    observedAt: new Date(obs.time),
    eventId: obs.head,
    source: obs.tail,
    values: values as CurrentWeather['values'],
  };
}

/** The current weather at a station in one round trip; undefined before its first observation. */
export async function readStationWeather(
  redis: Redis,
  keyspace: RedisKeyspace,
  stationId: string,
): Promise<CurrentWeather | undefined> {
  return weatherOf(stationId, await redis.hgetall(weatherKeys(keyspace).station(stationId)));
}

/**
 * The current weather of a building through the station of its latest registration (two round
 * trips); undefined when the building is not registered. The join happens here, at read time, so a
 * building moved to another station answers from it at once and an observation is written once per
 * station, not once per building.
 */
export async function readBuildingWeather(
  redis: Redis,
  keyspace: RedisKeyspace,
  buildingId: string,
): Promise<BuildingWeather | undefined> {
  const keys = weatherKeys(keyspace);
  const mapping = await redis.hget(keys.buildingStations, buildingId);
  if (mapping === null) return undefined;
  const { head: stationId } = parts(mapping);
  if (stationId === '') return { buildingId, stationId: null, weather: undefined };
  return { buildingId, stationId, weather: await readStationWeather(redis, keyspace, stationId) };
}
