import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { classifyFailure, type DependencyBreaker } from '../../infra/resilience/index.ts';
import type { AnswerBody } from './provenance.ts';

/** Kept answers outlive a long outage (a weekend) but not the read models they came from for ever. */
export const DEFAULT_LAST_KNOWN_GOOD_TTL_SECONDS = 7 * 24 * 3600;

/** A kept answer and when it was read fresh. */
export interface KeptAnswer<T> {
  readonly answer: AnswerBody<T>;
  readonly storedAt: Date;
}

/**
 * The last good answer of each query, keyed by query name and normalised arguments, for the query
 * layer to serve (flagged stale) while PostgreSQL is unavailable. Not invalidated by new events, unlike
 * the tool-result cache: while PostgreSQL is down an old answer labelled with its age beats none.
 */
export interface LastKnownGood {
  remember<T>(query: string, args: unknown, answer: AnswerBody<T>): Promise<void>;
  recall<T>(query: string, args: unknown): Promise<KeptAnswer<T> | undefined>;
}

/** Where kept answers live, how long, and through which breaker. */
export interface LastKnownGoodOptions {
  readonly redis: Redis;
  /** Redis's breaker; every command goes through it. */
  readonly breaker?: DependencyBreaker;
  /** How long a kept answer lives after its last fresh read (default 7 days). */
  readonly ttlSeconds?: number;
  /** Key namespace under the client's key prefix; default `lkg`. */
  readonly namespace?: string;
  readonly now?: () => number;
}

/**
 * Arguments in a canonical form: object keys sorted, undefined fields dropped, dates as ISO text, so
 * `{ from, to }` and `{ to, from }` (or an explicit `meterId: undefined`) name the same answer.
 */
export function normaliseArguments(args: unknown): unknown {
  if (args instanceof Date) return Number.isNaN(args.getTime()) ? 'Invalid Date' : args.toISOString();
  if (Array.isArray(args)) return args.map(normaliseArguments);
  if (args !== null && typeof args === 'object') {
    const record = args as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .filter((k) => record[k] !== undefined)
        .map((k) => [k, normaliseArguments(record[k])]),
    );
  }
  return args;
}

interface TaggedDate {
  readonly $date: number | null;
}

const isTaggedDate = (v: unknown): v is TaggedDate =>
  v !== null && typeof v === 'object' && Object.keys(v).length === 1 && '$date' in v;

/** JSON that gives Dates back as Dates (answers carry event times and `lastAppliedAt`). */
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? ({ $date: raw.getTime() } satisfies TaggedDate) : v;
  });
}

function decode(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => (isTaggedDate(v) ? new Date(v.$date ?? Number.NaN) : v));
}

/** Creates the Redis store of last good answers (see {@link LastKnownGood}). */
export function createLastKnownGood(options: LastKnownGoodOptions): LastKnownGood {
  const { redis, breaker } = options;
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_LAST_KNOWN_GOOD_TTL_SECONDS;
  const ns = options.namespace ?? 'lkg';
  const now = options.now ?? Date.now;
  const keyOf = (query: string, args: unknown) =>
    `${ns}:${query}:${createHash('sha256')
      .update(JSON.stringify(normaliseArguments(args)))
      .digest('base64url')}`;
  const guarded = <T>(call: () => Promise<T>): Promise<T> =>
    breaker === undefined
      ? call().catch((error: unknown) => {
          throw classifyFailure('redis', error);
        })
      : breaker.execute(call);

  return {
    async remember(query, args, answer) {
      const payload = encode({ answer, storedAt: new Date(now()) });
      await guarded(() => redis.set(keyOf(query, args), payload, 'EX', ttlSeconds));
    },
    async recall<T>(query: string, args: unknown) {
      const text = await guarded(() => redis.get(keyOf(query, args)));
      return text === null ? undefined : (decode(text) as KeptAnswer<T>);
    },
  };
}
