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
 * One reading's contribution to a day's totals, counted once: a re-applied reading finds its field
 * and changes nothing; a later log position for the same meter and time moves the total by the
 * difference. Field value: offset|partition|micro|bucket. Both keys expire together.
 */
const ADD_CONTRIBUTION = luaScript(`
local no, np, nm = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local o, p, m, b = string.match(cur, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
  o, p, m = tonumber(o), tonumber(p), tonumber(m)
  if no < o or (no == o and np <= p) then return 0 end
  if b == ARGV[5] then
    if nm ~= m then redis.call('HINCRBY', KEYS[2], b, string.format('%.0f', nm - m)) end
  else
    if m ~= 0 then redis.call('HINCRBY', KEYS[2], b, string.format('%.0f', -m)) end
    if nm ~= 0 then redis.call('HINCRBY', KEYS[2], ARGV[5], ARGV[4]) end
  end
else
  redis.call('HINCRBY', KEYS[2], ARGV[5], ARGV[4])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5])
redis.call('EXPIREAT', KEYS[1], ARGV[6])
redis.call('EXPIREAT', KEYS[2], ARGV[6])
return 1
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
): Promise<number> {
  const batch = scriptBatch(redis, [SET_INFO_IF_LATER, MERGE_DEMAND, ADD_CONTRIBUTION, MAX_POSITION]);
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
  for (const c of changes.contributions.values()) {
    const keys = summaryKeys(keyspace, c.buildingId);
    const expireAt = Math.ceil((utcDateEnd(c.utcDate) + retainMs) / 1000);
    batch.call(
      ADD_CONTRIBUTION,
      [keys.contributions(c.utcDate), keys.consumption(c.utcDate)],
      [contributionField(c.meterId, c.occurredAt), c.offset, c.partition, c.micro, c.bucket, expireAt],
    );
  }
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
