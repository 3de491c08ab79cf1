import type { BuildingRegistered, WeatherObservation } from '../../schemas/index.ts';
import type { ProjectionEvent } from '../projection.ts';

/** Topics the current-weather read model folds. */
export type CurrentWeatherTopic = 'weatherObservations' | 'buildings';

/** The measurements of a WeatherObservation, each kept separately (stations report gaps). */
export const WEATHER_FIELDS = [
  'temperatureC',
  'dewPointC',
  'relativeHumidityPct',
  'pressureHpa',
  'windSpeedKmh',
  'windDirectionDeg',
  'precipitationMm',
  'conditions',
] as const;
export type WeatherField = (typeof WEATHER_FIELDS)[number];

/**
 * A value that wins by rank: three numbers compared in order. Observations rank by (event time,
 * offset, partition); registrations on the compacted buildings topic by (offset, partition, 0),
 * because compaction keeps the furthest one, so only log order lets a rebuild agree with live.
 */
export interface Ranked {
  readonly rank: readonly [number, number, number];
}

/** One measurement's newest non-null value at a station. */
export interface StationFieldChange extends Ranked {
  readonly stationId: string;
  readonly field: WeatherField | 'observation';
  /** `eventId|<JSON value>` for a measurement; `eventId|source` for the observation itself. */
  readonly payload: string;
}

/** The station a building takes its weather from, per its furthest registration. */
export interface BuildingStationChange extends Ranked {
  readonly buildingId: string;
  readonly stationId: string | null;
}

/**
 * One batch's changes. Each station field and each building keeps its highest rank, a join, so the
 * result does not depend on batching, order or re-application; the Lua script does the same in Redis.
 */
export interface CurrentWeatherChanges {
  readonly stationFields: Map<string, StationFieldChange>;
  readonly buildings: Map<string, BuildingStationChange>;
}

/** An empty change set. */
export function emptyCurrentWeatherChanges(): CurrentWeatherChanges {
  return { stationFields: new Map(), buildings: new Map() };
}

/** Lexicographic comparison of ranks. */
export function compareRank(a: Ranked, b: Ranked): number {
  for (let i = 0; i < 3; i++) {
    const d = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function keepHigher<T extends Ranked>(into: Map<string, T>, key: string, change: T): void {
  const seen = into.get(key);
  if (seen === undefined || compareRank(change, seen) > 0) into.set(key, change);
}

const fieldKey = (stationId: string, field: string): string => `${stationId}\u0000${field}`;

function foldObservation(
  changes: CurrentWeatherChanges,
  o: WeatherObservation,
  partition: number,
  offset: string,
): void {
  const rank = [o.occurredAt.getTime(), Number(offset), partition] as const;
  const put = (field: StationFieldChange['field'], payload: string) =>
    keepHigher(changes.stationFields, fieldKey(o.stationId, field), {
      stationId: o.stationId,
      field,
      rank,
      payload,
    });
  put('observation', `${o.eventId}|${o.source}`);
  for (const field of WEATHER_FIELDS) {
    const value = o[field];
    // A gap keeps the previous value (with its own time) rather than blanking the station.
    if (value !== null && value !== undefined) put(field, `${o.eventId}|${JSON.stringify(value)}`);
  }
}

function foldBuilding(
  changes: CurrentWeatherChanges,
  b: BuildingRegistered,
  partition: number,
  offset: string,
): void {
  keepHigher(changes.buildings, b.buildingId, {
    buildingId: b.buildingId,
    stationId: b.weatherStationId ?? null,
    rank: [Number(offset), partition, 0],
  });
}

/** Folds one event into the batch's change set (mutates it: it belongs to this batch only). */
export function evolveCurrentWeather(
  changes: CurrentWeatherChanges,
  event: ProjectionEvent<CurrentWeatherTopic>,
): CurrentWeatherChanges {
  if (event.topic === 'weatherObservations')
    foldObservation(changes, event.event, event.partition, event.offset);
  else foldBuilding(changes, event.event, event.partition, event.offset);
  return changes;
}

/** What applying `next` to a store holding `stored` leaves, as a pure function: the model of the Lua script. */
export function combineCurrentWeatherChanges(
  stored: CurrentWeatherChanges,
  next: CurrentWeatherChanges,
): CurrentWeatherChanges {
  const out: CurrentWeatherChanges = {
    stationFields: new Map(stored.stationFields),
    buildings: new Map(stored.buildings),
  };
  for (const [k, c] of next.stationFields) keepHigher(out.stationFields, k, c);
  for (const [k, c] of next.buildings) keepHigher(out.buildings, k, c);
  return out;
}
