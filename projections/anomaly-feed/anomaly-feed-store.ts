import type { Redis } from 'ioredis';
import type { RedisKeyspace } from '../projection.ts';
import { luaScript, scriptBatch } from '../redis-scripts/index.ts';
import type { AnomalyFeedChanges, FeedAnomaly } from './anomaly-feed-changes.ts';

/**
 * Adds anomalies to a capped sorted set (score = event time, member = event id) with their details in
 * a companion hash, then trims both to the newest `cap`. Re-adding an entry changes nothing; re-adding
 * one trimmed earlier puts it back at the bottom, where the trim removes it again.
 */
const ADD_CAPPED = luaScript(`
local cap = tonumber(ARGV[1])
for i = 2, #ARGV, 3 do
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], ARGV[i + 1], ARGV[i + 2])
end
local n = redis.call('ZCARD', KEYS[1])
if n > cap then
  local gone = redis.call('ZRANGE', KEYS[1], 0, n - cap - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - cap - 1)
  for i = 1, #gone, 1000 do
    redis.call('HDEL', KEYS[2], unpack(gone, i, math.min(i + 999, #gone)))
  end
end
return n
`);

/** The sorted set and details hash of one feed: one building's, or the overall one. */
export function feedKeys(keyspace: RedisKeyspace, buildingId?: string): { feed: string; details: string } {
  const scope = buildingId === undefined ? ['all'] : ['building', buildingId];
  return { feed: keyspace.key(...scope, 'feed'), details: keyspace.key(...scope, 'details') };
}

function argsOf(cap: number, list: readonly FeedAnomaly[]): (string | number)[] {
  const args: (string | number)[] = [cap];
  for (const e of list) args.push(e.occurredAt, e.eventId, JSON.stringify(e));
  return args;
}

/** Writes one batch's change set in one pipeline round trip: one script call per touched feed. */
export async function applyAnomalyFeed(
  redis: Redis,
  keyspace: RedisKeyspace,
  changes: AnomalyFeedChanges,
): Promise<void> {
  const batch = scriptBatch(redis, [ADD_CAPPED]);
  for (const [building, list] of changes.byBuilding) {
    const keys = feedKeys(keyspace, building);
    batch.call(ADD_CAPPED, [keys.feed, keys.details], argsOf(changes.cap, list));
  }
  if (changes.overall.length > 0) {
    const keys = feedKeys(keyspace);
    batch.call(ADD_CAPPED, [keys.feed, keys.details], argsOf(changes.cap, changes.overall));
  }
  await batch.exec();
}
