import type { Redis } from 'ioredis';
import { activeTraceparent } from '../../infra/telemetry/index.ts';
import type { MeterKind, ReadingUnit, SensorReading } from '../../schemas/index.ts';
import { activeGenerationKey, redisGenerationPrefix, redisKeyspace } from '../generation-names.ts';
import type { Positioned } from '../positioned-event.ts';
import type { ProjectionEvent, RedisKeyspace, RedisProjection } from '../projection.ts';
import { laterInTime } from './readings-projection.ts';

const NAME = 'latest-readings';

/** Per meter, the reading latest in event time (then log position) within one batch. */
export type LatestReadingsChanges = Map<string, Positioned<SensorReading>>;

/**
 * Compare-and-set on (event time, offset): a redelivered or older reading never replaces a newer
 * one, so the key stays right under at-least-once delivery, replays and rebuilds. ARGV[10] is the
 * `traceparent` of the span that wrote the value (empty when untraced: the field is removed, so
 * it never names an older write).
 */
const SET_LATEST_IF_NEWER = `
local current = redis.call('HMGET', KEYS[1], 'occurredAt', 'offset')
if current[1] then
  local t, o = tonumber(current[1]), tonumber(current[2])
  local nt, no = tonumber(ARGV[1]), tonumber(ARGV[2])
  if nt < t or (nt == t and no <= o) then return 0 end
end
redis.call('HSET', KEYS[1], 'occurredAt', ARGV[1], 'offset', ARGV[2], 'partition', ARGV[3], 'meterId', ARGV[4],
  'buildingId', ARGV[5], 'meterKind', ARGV[6], 'value', ARGV[7], 'unit', ARGV[8], 'eventId', ARGV[9])
if ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'traceparent', ARGV[10]) else redis.call('HDEL', KEYS[1], 'traceparent') end
redis.call('SADD', KEYS[2], ARGV[4])
return 1
`;

/** `meter:<id>:latest` hash of one generation. */
export const latestReadingKey = (keyspace: RedisKeyspace, meterId: string): string =>
  keyspace.key('meter', meterId, 'latest');
/** `building:<id>:meters` set of one generation. */
export const buildingMetersKey = (keyspace: RedisKeyspace, buildingId: string): string =>
  keyspace.key('building', buildingId, 'meters');

interface RedisWithLatestCommand extends Redis {
  eaioSetLatestIfNewer(latestKey: string, metersKey: string, ...args: string[]): Promise<number>;
}

function withCommand(redis: Redis): RedisWithLatestCommand {
  if (!('eaioSetLatestIfNewer' in redis)) {
    redis.defineCommand('eaioSetLatestIfNewer', { numberOfKeys: 2, lua: SET_LATEST_IF_NEWER });
  }
  return redis as RedisWithLatestCommand;
}

/** Pure fold: keeps the newest reading per meter of the batch (mutates only the batch's own map). */
export function evolveLatestReadings(
  state: LatestReadingsChanges,
  { event, partition, offset }: ProjectionEvent<'sensorReadings'>,
): LatestReadingsChanges {
  const positioned: Positioned<SensorReading> = { event, partition, offset };
  const seen = state.get(event.meterId);
  if (seen === undefined || laterInTime(positioned, seen)) state.set(event.meterId, positioned);
  return state;
}

/**
 * Applies a batch's newest readings in one pipeline round trip; returns how many changed a key.
 * Each value keeps the `traceparent` of the span active here (the projector's write span), which
 * the MCP tool links to, so an answer leads back to the write and to the reading's ingestion.
 */
export async function applyLatestReadings(
  redis: Redis,
  keyspace: RedisKeyspace,
  changes: LatestReadingsChanges,
): Promise<number> {
  if (changes.size === 0) return 0;
  const writtenBy = activeTraceparent() ?? '';
  const client = withCommand(redis);
  const pipeline = client.pipeline() as ReturnType<Redis['pipeline']> & {
    eaioSetLatestIfNewer(latestKey: string, metersKey: string, ...args: string[]): unknown;
  };
  for (const { event, partition, offset } of changes.values()) {
    pipeline.eaioSetLatestIfNewer(
      latestReadingKey(keyspace, event.meterId),
      buildingMetersKey(keyspace, event.buildingId),
      String(event.occurredAt.getTime()),
      offset,
      String(partition),
      event.meterId,
      event.buildingId,
      event.meterKind,
      String(event.value),
      event.unit,
      event.eventId,
      writtenBy,
    );
  }
  const results = (await pipeline.exec()) ?? [];
  let changed = 0;
  for (const [error, result] of results) {
    if (error) throw error;
    changed += Number(result);
  }
  return changed;
}

/** The latest reading of each meter and the meters of each building, in Redis. */
export const latestReadingsProjection: RedisProjection<'sensorReadings', LatestReadingsChanges> = {
  name: NAME,
  description: 'Latest reading per meter (hash) and the meters of each building (set), in Redis',
  store: 'redis',
  handles: ['sensorReadings'],
  initial: () => new Map(),
  evolve: evolveLatestReadings,
  apply: async (redis, keyspace, changes) => {
    await applyLatestReadings(redis, keyspace, changes);
  },
};

/** The latest reading of one meter, as the read model holds it. */
export interface LatestReading {
  readonly meterId: string;
  readonly buildingId: string;
  readonly meterKind: MeterKind;
  readonly value: number;
  readonly unit: ReadingUnit;
  readonly occurredAt: Date;
  readonly eventId: string;
  /** W3C `traceparent` of the projector span that wrote this value; absent when written untraced. */
  readonly traceparent?: string;
}

/** Key space of the generation readers use now, or undefined before the projection has one. */
export async function activeLatestReadingsKeyspace(redis: Redis): Promise<RedisKeyspace | undefined> {
  const generation = await redis.get(activeGenerationKey(NAME));
  return generation === null ? undefined : redisKeyspace(redisGenerationPrefix(NAME, Number(generation)));
}

/**
 * Latest reading of every meter of a building, optionally of one kind, sorted by meter id, from the
 * active generation (so answers keep coming during a rebuild). A rebuild deletes the old
 * generation's keys only after moving the pointer, so a read during which the pointer moved is
 * repeated on the new generation.
 */
export async function readLatestReadings(
  redis: Redis,
  buildingId: string,
  meterKind?: MeterKind,
): Promise<LatestReading[]> {
  for (let attempt = 0; ; attempt++) {
    const before = await redis.get(activeGenerationKey(NAME));
    if (before === null) return [];
    const readings = await readGeneration(
      redis,
      redisKeyspace(redisGenerationPrefix(NAME, Number(before))),
      buildingId,
      meterKind,
    );
    if (attempt >= 2 || (await redis.get(activeGenerationKey(NAME))) === before) return readings;
  }
}

async function readGeneration(
  redis: Redis,
  keyspace: RedisKeyspace,
  buildingId: string,
  meterKind: MeterKind | undefined,
): Promise<LatestReading[]> {
  const meterIds = (await redis.smembers(buildingMetersKey(keyspace, buildingId))).sort();
  if (meterIds.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of meterIds) pipeline.hgetall(latestReadingKey(keyspace, id));
  const rows = (await pipeline.exec()) ?? [];
  const readings: LatestReading[] = [];
  for (const [error, row] of rows) {
    if (error) throw error;
    const h = row as Record<string, string>;
    if (h.meterId === undefined) continue;
    if (meterKind !== undefined && h.meterKind !== meterKind) continue;
    readings.push({
      meterId: h.meterId,
      buildingId: h.buildingId ?? buildingId,
      meterKind: h.meterKind as MeterKind,
      value: Number(h.value),
      unit: h.unit as ReadingUnit,
      occurredAt: new Date(Number(h.occurredAt)),
      eventId: h.eventId ?? '',
      ...(h.traceparent ? { traceparent: h.traceparent } : {}),
    });
  }
  return readings;
}
