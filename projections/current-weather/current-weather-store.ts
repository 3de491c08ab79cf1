import type { Redis } from 'ioredis';
import type { RedisKeyspace } from '../projection.ts';
import { luaScript, scriptBatch } from '../redis-scripts/index.ts';
import type { CurrentWeatherChanges } from './current-weather-changes.ts';

/**
 * Sets hash fields whose new rank (three numbers, compared in order) is higher than the stored one.
 * ARGV: groups of (field, r1, r2, r3, payload); a field's value is `r1|r2|r3|payload`.
 */
const SET_FIELDS_IF_HIGHER = luaScript(`
local changed = 0
for i = 1, #ARGV, 5 do
  local n1, n2, n3 = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  local take = true
  if cur then
    local c1, c2, c3 = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|')
    c1, c2, c3 = tonumber(c1), tonumber(c2), tonumber(c3)
    take = n1 > c1 or (n1 == c1 and (n2 > c2 or (n2 == c2 and n3 > c3)))
  end
  if take then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2] .. '|' .. ARGV[i + 3] .. '|' .. ARGV[i + 4])
    changed = changed + 1
  end
end
return changed
`);

/** Keys of one generation of the read model. */
export const weatherKeys = (keyspace: RedisKeyspace) => ({
  station: (stationId: string) => keyspace.key('station', stationId),
  buildingStations: keyspace.key('building-stations'),
});

/** Writes one batch's change set in one pipeline round trip: one script call per station, one for buildings. */
export async function applyCurrentWeather(
  redis: Redis,
  keyspace: RedisKeyspace,
  changes: CurrentWeatherChanges,
): Promise<void> {
  const keys = weatherKeys(keyspace);
  const perStation = new Map<string, (string | number)[]>();
  for (const c of changes.stationFields.values()) {
    let args = perStation.get(c.stationId);
    if (args === undefined) {
      args = [];
      perStation.set(c.stationId, args);
    }
    args.push(c.field, ...c.rank, c.payload);
  }
  const batch = scriptBatch(redis, [SET_FIELDS_IF_HIGHER]);
  for (const [stationId, args] of perStation)
    batch.call(SET_FIELDS_IF_HIGHER, [keys.station(stationId)], args);
  if (changes.buildings.size > 0) {
    const args: (string | number)[] = [];
    for (const b of changes.buildings.values()) args.push(b.buildingId, ...b.rank, b.stationId ?? '');
    batch.call(SET_FIELDS_IF_HIGHER, [keys.buildingStations], args);
  }
  await batch.exec();
}
