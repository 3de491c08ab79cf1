import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { EaioError, isTransient } from '../../infra/errors/index.ts';
import { classifyFailure, type DependencyBreaker } from '../../infra/resilience/index.ts';
import { luaScript, runScript } from '../redis-scripts/index.ts';

/**
 * TTLs used when the options give none: weather moves slowly, sensor answers go stale in minutes,
 * consumption rollups in between, command statuses move fast (newer events evict any of them sooner);
 * a building's registration (its tenant, checked on every call of a tenant's agent) changes rarely,
 * and a new registration invalidates it by tag anyway.
 */
export const DEFAULT_CACHE_TTL_SECONDS: Readonly<Record<string, number>> = {
  weather: 3600,
  sensors: 300,
  buildings: 3600,
  energy: 900,
  control: 60,
};

/** What one lookup did, for metrics. */
export interface CacheLookup {
  readonly category: string;
  readonly outcome: 'hit' | 'miss';
  /** On a miss: whether the computed value was stored (false when an invalidation overtook it). */
  readonly stored?: boolean;
  /** True when Redis was unavailable, so the answer was computed without the cache. */
  readonly bypassed?: boolean;
}

export interface ToolResultCacheOptions {
  readonly redis: Redis;
  /**
   * Redis's circuit breaker: every cache command goes through it. While Redis is unavailable (open
   * circuit or a network failure) lookups compute their answer without the cache instead of failing.
   */
  readonly breaker?: DependencyBreaker;
  /** TTL per category in seconds, merged over {@link DEFAULT_CACHE_TTL_SECONDS}. */
  readonly ttlSeconds?: Readonly<Record<string, number>>;
  /** Key namespace under the client's key prefix; default `cache`. */
  readonly namespace?: string;
  /** Called after every lookup (hit or miss). */
  readonly onLookup?: (lookup: CacheLookup) => void;
  /**
   * A computation running longer than this is returned but not stored (default 10 min); also how long
   * a tag's invalidation is remembered, so a slow computation cannot outlive the record that refutes it.
   */
  readonly maxComputeMs?: number;
  /** Clock for the time cached; defaults to Date.now. */
  readonly now?: () => number;
}

export interface GetOrComputeOptions<T> {
  /** Tags of the entry, e.g. `building:<id>`; or a function of the computed value giving them. */
  readonly tags?: readonly string[] | ((value: T) => readonly string[]);
  /** Whether a computed value may be kept (e.g. not an error, not a stale answer); all are by default. */
  readonly store?: (value: T) => boolean;
}

/** A value from the cache or just computed. */
export interface CachedResult<T> {
  readonly value: T;
  /** When the value was computed (now, on a miss). */
  readonly cachedAt: Date;
  readonly hit: boolean;
}

/** Tool answers cached in Redis as JSON, per category TTL, invalidated by tag. */
export interface ToolResultCache {
  /**
   * The cached value for (category, key), or `compute()`'s, then stored with the category's TTL. Values
   * must survive JSON (a hit returns `JSON.parse` of the stored text; Dates come back as strings). An
   * answer whose computation started before an invalidation of one of its tags is returned but not
   * stored. Throws an INVALID_ARGUMENT EaioError for a category without a TTL.
   */
  getOrCompute<T>(
    category: string,
    key: string,
    compute: () => Promise<T>,
    options?: GetOrComputeOptions<T>,
  ): Promise<CachedResult<T>>;
  /** Deletes every entry carrying any of `tags` and refuses later stores of answers computed before; returns entries deleted. */
  invalidateTags(tags: readonly string[]): Promise<number>;
  /**
   * Replaces the TTLs given at creation (merged over {@link DEFAULT_CACHE_TTL_SECONDS}), e.g. from a
   * reloaded `cache` config section. Entries stored already keep the TTL they were stored with.
   * Throws an INVALID_ARGUMENT EaioError, and keeps the TTLs in force, when one is not > 0.
   */
  setTtlSeconds(ttlSeconds: Readonly<Record<string, number>>): void;
}

/**
 * Stores an entry unless one of its tags was invalidated after the computation started: each
 * invalidation takes the next number of a global sequence and records it on the tag, so a tag number
 * above the sequence read before computing means the answer may predate the change.
 * KEYS: entry, then n tag-version keys, then n tag-member sets. ARGV: start sequence, ttl ms, payload, n.
 */
const STORE_UNLESS_INVALIDATED = luaScript(`
local start, ttl, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
for i = 1, n do
  local v = redis.call('GET', KEYS[1 + i])
  if v and tonumber(v) > start then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ttl)
for i = 1, n do
  local members = KEYS[1 + n + i]
  redis.call('SADD', members, KEYS[1])
  if redis.call('PTTL', members) < ttl then redis.call('PEXPIRE', members, ttl) end
end
return 1
`);

/**
 * Takes the next sequence number, records it on each tag, and deletes the tags' entries (the member
 * sets hold the entries' full key names). KEYS: sequence, n tag-version keys, n member sets.
 * ARGV: n, how long to remember the version (ms).
 */
const INVALIDATE_TAGS = luaScript(`
local n = tonumber(ARGV[1])
local seq = redis.call('INCR', KEYS[1])
local deleted = 0
for i = 1, n do
  redis.call('SET', KEYS[1 + i], seq, 'PX', ARGV[2])
  local members = redis.call('SMEMBERS', KEYS[1 + n + i])
  for j = 1, #members, 1000 do
    deleted = deleted + redis.call('DEL', unpack(members, j, math.min(j + 999, #members)))
  end
  redis.call('DEL', KEYS[1 + n + i])
end
return deleted
`);

interface StoredEntry {
  readonly v: unknown;
  readonly t: number;
}

/** Creates a tool-result cache on `redis` (see {@link ToolResultCache}). */
export function createToolResultCache(options: ToolResultCacheOptions): ToolResultCache {
  const { redis, onLookup, breaker } = options;
  const guarded = <T>(call: () => Promise<T>): Promise<T> =>
    breaker === undefined
      ? call().catch((error: unknown) => {
          throw classifyFailure('redis', error);
        })
      : breaker.execute(call);
  const checkedTtls = (given: Readonly<Record<string, number>> | undefined): Record<string, number> => {
    const ttls = { ...DEFAULT_CACHE_TTL_SECONDS, ...given };
    for (const [category, ttl] of Object.entries(ttls)) {
      if (!(Number.isFinite(ttl) && ttl > 0)) {
        throw new EaioError(
          'INVALID_ARGUMENT',
          'permanent',
          `Cache TTL of '${category}' must be > 0 s, got ${ttl}`,
          {
            context: { category, ttl },
          },
        );
      }
    }
    return ttls;
  };
  let ttlSeconds = checkedTtls(options.ttlSeconds);
  const ns = options.namespace ?? 'cache';
  const maxComputeMs = options.maxComputeMs ?? 600_000;
  const now = options.now ?? Date.now;
  const sequenceKey = `${ns}:seq`;
  const entryKey = (category: string, key: string) =>
    `${ns}:entry:${category}:${createHash('sha256').update(key).digest('base64url')}`;
  const versionKey = (tag: string) => `${ns}:tag:${tag}:version`;
  const membersKey = (tag: string) => `${ns}:tag:${tag}:entries`;

  function ttlMsOf(category: string): number {
    const ttl = ttlSeconds[category];
    if (ttl === undefined) {
      throw new EaioError(
        'INVALID_ARGUMENT',
        'permanent',
        `No cache TTL configured for category '${category}'`,
        {
          context: { category, known: Object.keys(ttlSeconds) },
        },
      );
    }
    return Math.round(ttl * 1000);
  }

  return {
    async getOrCompute<T>(
      category: string,
      key: string,
      compute: () => Promise<T>,
      computeOptions: GetOrComputeOptions<T> = {},
    ): Promise<CachedResult<T>> {
      const ttlMs = ttlMsOf(category);
      const entry = entryKey(category, key);
      let cached: string | null | undefined;
      let sequence: string | null | undefined;
      try {
        [cached, sequence] = await guarded(() => redis.mget(entry, sequenceKey));
      } catch (error) {
        if (!isTransient(error)) throw error;
        // A cache must not turn a Redis outage into failed answers.
        const value = await compute();
        onLookup?.({ category, outcome: 'miss', stored: false, bypassed: true });
        return { value, cachedAt: new Date(now()), hit: false };
      }
      if (cached !== null && cached !== undefined) {
        const stored = JSON.parse(cached) as StoredEntry;
        onLookup?.({ category, outcome: 'hit' });
        return { value: stored.v as T, cachedAt: new Date(stored.t), hit: true };
      }
      const startedAt = now();
      const value = await compute();
      const cachedAt = now();
      let stored = false;
      // undefined has no JSON form; a computation that outlived the invalidation memory cannot be vouched for.
      const storable = computeOptions.store?.(value) ?? true;
      if (value !== undefined && storable && cachedAt - startedAt < maxComputeMs) {
        const tags =
          typeof computeOptions.tags === 'function'
            ? computeOptions.tags(value)
            : (computeOptions.tags ?? []);
        const store = () =>
          runScript(
            redis,
            STORE_UNLESS_INVALIDATED,
            [entry, ...tags.map(versionKey), ...tags.map(membersKey)],
            [
              sequence ?? '0',
              ttlMs,
              JSON.stringify({ v: value, t: cachedAt } satisfies StoredEntry),
              tags.length,
            ],
          );
        try {
          stored = Number(await guarded(store)) === 1;
        } catch (error) {
          // The answer is good; only keeping it failed, and the next lookup computes it again.
          if (!isTransient(error)) throw error;
        }
      }
      onLookup?.({ category, outcome: 'miss', stored });
      return { value, cachedAt: new Date(cachedAt), hit: false };
    },

    async invalidateTags(tags) {
      const unique = [...new Set(tags)];
      if (unique.length === 0) return 0;
      const reply = await guarded(() =>
        runScript(
          redis,
          INVALIDATE_TAGS,
          [sequenceKey, ...unique.map(versionKey), ...unique.map(membersKey)],
          [unique.length, maxComputeMs],
        ),
      );
      return Number(reply);
    },

    setTtlSeconds(given) {
      ttlSeconds = checkedTtls(given);
    },
  };
}
