import type { Redis } from 'ioredis';
import type { RedisKeyspace } from '../projection.ts';
import { luaScript, scriptBatch } from '../redis-scripts/index.ts';
import { type BuildingSummaryChanges, contributionField, utcDateEnd } from './building-summary-changes.ts';

/** Registration compare-and-set on the log position (offset, then partition). */
const SET_INFO_IF_LATER = luaScript(`
local cur = redis.call('HMGET', KEYS[1], 'offset', 'partition')
local no, np = tonumber(ARGV[1]), tonumber(ARGV[2])
if cur[1] then
  local o, p = tonumber(cur[1]), tonumber(cur[2])
  if no < o or (no == o and np <= p) then return 0 end
end
redis.call('HSET', KEYS[1], 'offset', ARGV[1], 'partition', ARGV[2], unpack(ARGV, 3))
return 1
`);

/**
 * Join of a meter's demand entry (see mergeMeterDemand): the later reading by (event time, offset,
 * partition) and the newest distinct event time before it among both sides' two newest times.
 * Field value: t|offset|partition|kwh|previousAt|eventId.
 */
const MERGE_DEMAND = luaScript(`
local nt, no, np = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local nprev = tonumber(ARGV[6])
local t, o, p, kwh, ev, prev = nt, no, np, ARGV[5], ARGV[7], nprev
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local f = {}
  for part in string.gmatch(cur .. '|', '([^|]*)|') do f[#f + 1] = part end
  local ct, co, cp, cprev = tonumber(f[1]), tonumber(f[2]), tonumber(f[3]), tonumber(f[5])
  local newer = nt > ct or (nt == ct and (no > co or (no == co and np > cp)))
  if not newer then t, o, p, kwh, ev = ct, co, cp, f[4], f[6] end
  local cands = { ct, nt }
  if cprev then cands[#cands + 1] = cprev end
  if nprev then cands[#cands + 1] = nprev end
  prev = nil
  for i = 1, #cands do
    local x = cands[i]
    if x < t and (prev == nil or x > prev) then prev = x end
  end
  if t == ct and o == co and p == cp and prev == cprev then return 0 end
end
local prevText = ''
if prev then prevText = string.format('%.0f', prev) end
redis.call('HSET', KEYS[1], ARGV[1],
  string.format('%.0f|%.0f|%.0f|', t, o, p) .. kwh .. '|' .. prevText .. '|' .. ev)
return 1
`);

/**
 * Readings' contributions to one building's UTC day, each counted once: a re-applied reading finds
 * its field and changes nothing; a later log position for the same meter and time moves the total by
 * the difference. ARGV: expireAt, then groups of (field, offset, partition, micro, bucket); a field's
 * value is offset|partition|micro|bucket. Both keys expire together.
 */
const ADD_CONTRIBUTIONS = luaScript(`
local changed = 0
for i = 2, #ARGV, 5 do
  local field, bucket = ARGV[i], ARGV[i + 4]
  local no, np, nm = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local cur = redis.call('HGET', KEYS[1], field)
  local take = true
  if cur then
    local o, p, m, b = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
    o, p, m = tonumber(o), tonumber(p), tonumber(m)
    if no < o or (no == o and np <= p) then
      take = false
    elseif b == bucket then
      if nm ~= m then redis.call('HINCRBY', KEYS[2], b, string.format('%.0f', nm - m)) end
    else
      if m ~= 0 then redis.call('HINCRBY', KEYS[2], b, string.format('%.0f', -m)) end
      if nm ~= 0 then redis.call('HINCRBY', KEYS[2], bucket, ARGV[i + 3]) end
    end
  else
    redis.call('HINCRBY', KEYS[2], bucket, ARGV[i + 3])
  end
  if take then
    redis.call('HSET', KEYS[1], field, ARGV[i + 1] .. '|' .. ARGV[i + 2] .. '|' .. ARGV[i + 3] .. '|' .. bucket)
    changed = changed + 1
  end
end
redis.call('EXPIREAT', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[2], ARGV[1])
return changed
`);

/** Highest offset per source partition. */
const MAX_POSITION = luaScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and tonumber(cur) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`);

/** Keys of one building in one generation of the read model. */
export const summaryKeys = (keyspace: RedisKeyspace, buildingId: string) => ({
  info: keyspace.key('building', buildingId, 'info'),
  demand: keyspace.key('building', buildingId, 'demand'),
  positions: keyspace.key('building', buildingId, 'positions'),
  contributions: (utcDate: string) => keyspace.key('building', buildingId, 'contributions', utcDate),
  consumption: (utcDate: string) => keyspace.key('building', buildingId, 'consumption', utcDate),
});

/**
 * Writes one batch's change set in one pipeline round trip; returns how many entries changed. The
 * positions go last, so after a crash mid-pipeline the recorded position never runs ahead of the data.
 */
export async function applyBuildingSummary(
  redis: Redis,
  keyspace: RedisKeyspace,
  changes: BuildingSummaryChanges,
  retainMs: number,
  now: () => number = Date.now,
): Promise<number> {
  const batch = scriptBatch(redis, [SET_INFO_IF_LATER, MERGE_DEMAND, ADD_CONTRIBUTIONS, MAX_POSITION]);
  for (const b of changes.buildings.values()) {
    batch.call(
      SET_INFO_IF_LATER,
      [summaryKeys(keyspace, b.buildingId).info],
      [
        b.offset,
        b.partition,
        'timezone',
        b.timezone,
        'weatherStationId',
        b.weatherStationId ?? '',
        'primaryUse',
        b.primaryUse,
        'eventId',
        b.eventId,
      ],
    );
  }
  for (const d of changes.demand.values()) {
    batch.call(
      MERGE_DEMAND,
      [summaryKeys(keyspace, d.buildingId).demand],
      [d.meterId, d.occurredAt, d.offset, d.partition, String(d.kwh), d.previousAt ?? '', d.eventId],
    );
  }
  // One call per building and UTC day. A day already past its retention is skipped: Redis would
  // delete its keys on EXPIREAT anyway, and skipping keeps a replay of years of history cheap.
  const days = new Map<string, { keys: string[]; args: (string | number)[] }>();
  const nowMs = now();
  for (const c of changes.contributions.values()) {
    const expireAtMs = utcDateEnd(c.utcDate) + retainMs;
    if (expireAtMs <= nowMs) continue;
    const id = `${c.buildingId}\u0000${c.utcDate}`;
    let day = days.get(id);
    if (day === undefined) {
      const keys = summaryKeys(keyspace, c.buildingId);
      day = {
        keys: [keys.contributions(c.utcDate), keys.consumption(c.utcDate)],
        args: [Math.ceil(expireAtMs / 1000)],
      };
      days.set(id, day);
    }
    day.args.push(contributionField(c.meterId, c.occurredAt), c.offset, c.partition, c.micro, c.bucket);
  }
  for (const day of days.values()) batch.call(ADD_CONTRIBUTIONS, day.keys, day.args);
  for (const p of changes.positions.values()) {
    batch.call(
      MAX_POSITION,
      [summaryKeys(keyspace, p.buildingId).positions],
      [`${p.topic}:${p.partition}`, p.offset],
    );
  }
  const replies = await batch.exec();
  return replies.reduce<number>((n, r) => n + Number(r), 0);
}
