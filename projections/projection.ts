import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { TopicKey, TopicValue } from '../schemas/index.ts';

/**
 * One event as a projection sees it: decoded, validated, and with the log position it was read
 * from, so writes can be made idempotent by position. A union over the handled topics, so
 * `evolve` narrows on `topic`.
 */
export type ProjectionEvent<K extends TopicKey> = {
  [T in K]: {
    readonly topic: T;
    readonly event: TopicValue<T>;
    readonly partition: number;
    readonly offset: string;
  };
}[K];

/**
 * A read model as data around a pure fold (CONVENTIONS 3). `evolve` decides, for one batch of one
 * partition, the changes to make; the store adapter (`apply`) only writes what was decided, in a
 * batch. Live projection, replay and rebuild all run this one definition, so they cannot drift.
 *
 * `evolve` is pure: no I/O, no clock, no mutation of its input state (return a new value, or
 * mutate a state created by `initial()` for this batch only). Its result must not depend on how
 * the log is cut into batches beyond what `apply` makes idempotent (upserts by natural key that
 * never let an older log position overwrite a newer one).
 */
interface ProjectionBase<K extends TopicKey, S> {
  /** Stable name: `npx eaio projections rebuild <name>`, offsets and generations are keyed by it. */
  readonly name: string;
  /** One line for `eaio projections list` and the docs. */
  readonly description: string;
  /** Topics folded into this read model. */
  readonly handles: readonly K[];
  /** The empty change set one batch starts from. */
  initial(): S;
  evolve(state: S, event: ProjectionEvent<K>): S;
}

/** Context a Postgres projection's DDL is rendered with. */
export interface PostgresDdlContext {
  /** True when the TimescaleDB extension is installed: hypertables, compression, continuous aggregates. */
  readonly timescale: boolean;
}

/**
 * A read model in PostgreSQL. Each generation lives in its own schema (`<schema>_<name>_g<n>`), so a
 * rebuild fills a new generation beside the live one; readers go through views of the same names in
 * the main schema, which a switch repoints in one transaction.
 */
export interface PostgresProjection<K extends TopicKey, S> extends ProjectionBase<K, S> {
  readonly store: 'postgres';
  /** Idempotent DDL of one generation's tables, run with `search_path` set to the generation's schema. */
  ddl(context: PostgresDdlContext): string;
  /** Tables (and continuous aggregates) readers see, each exposed as a view in the main schema. */
  readonly readerViews: readonly string[];
  /**
   * Writes one batch's change set in the caller's transaction (search_path = the generation's
   * schema, then `public` for extension functions). The engine stores the offsets in the same
   * transaction and skips events below them, so each event is applied once per generation; keep
   * upserts by natural key anyway, as `eaio replay --to-datetime` re-applies over existing rows.
   * The engine always passes `context` (optional only so tests may call `apply` directly).
   */
  apply(client: pg.ClientBase, changes: S, context?: PostgresDdlContext): Promise<void>;
  /**
   * Optional DDL a batch's events need before it is written, e.g. the partitions of their months,
   * in `schema` (the generation's). Run on the pool before the batch's transaction, committed on
   * its own, so a lock it takes (`CREATE TABLE ... PARTITION OF` locks the parent exclusively) is
   * not held through the batch's writes, where it would stall every other partition's batch.
   * Idempotent and harmless when the batch is then not written; `apply` must still cope without
   * it (it is skipped when a generation was switched meanwhile).
   */
  prepare?(
    pool: pg.Pool,
    schema: string,
    events: readonly ProjectionEvent<K>[],
    context: PostgresDdlContext,
  ): Promise<void>;
}

/**
 * A read model in Redis. Each generation writes under its own key prefix (`p:<name>:g<n>:`); readers
 * resolve the active generation from `p:<name>:active`. Writes are idempotent by log position (Lua
 * compare-and-set), as Redis cannot join the Postgres transaction that stores the offsets.
 */
export interface RedisProjection<K extends TopicKey, S> extends ProjectionBase<K, S> {
  readonly store: 'redis';
  apply(redis: Redis, keyspace: RedisKeyspace, changes: S): Promise<void>;
}

/** Key builder of one generation of a Redis projection. */
export interface RedisKeyspace {
  /** Prefix of every key of this generation (after the client's own key prefix). */
  readonly prefix: string;
  key(...parts: readonly string[]): string;
}

// The event types a projection handles vary per definition; a catalogue of heterogenous
// definitions can only be typed with the widest parameters.
// biome-ignore lint/suspicious/noExplicitAny: heterogenous catalogue, see above.
export type AnyProjection = PostgresProjection<any, any> | RedisProjection<any, any>;
