import type { Redis } from 'ioredis';
import pg from 'pg';
import {
  activeGenerationKey,
  generationSchema,
  qualified,
  redisGenerationPrefix,
} from '../generation-names.ts';
import type { AnyProjection, PostgresDdlContext } from '../projection.ts';

/** The stores a projection engine works on; `schema` holds its tables and the reader views. */
export interface ProjectionStores {
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly schema: string;
}

/** `building`: a rebuild fills it; `active`: readers and the live projector use it; `retired`: frozen. */
export type GenerationStatus = 'building' | 'active' | 'retired';

/** One row of `projection_generations`. */
export interface Generation {
  readonly projection: string;
  readonly generation: number;
  readonly status: GenerationStatus;
  readonly store: 'postgres' | 'redis';
  /** Schema (postgres) or key prefix (redis). */
  readonly location: string;
  readonly fromTime: Date | null;
}

interface GenerationDbRow {
  projection: string;
  generation: number;
  status: GenerationStatus;
  store: 'postgres' | 'redis';
  location: string;
  from_time: Date | null;
}

const toGeneration = (r: GenerationDbRow): Generation => ({
  projection: r.projection,
  generation: r.generation,
  status: r.status,
  store: r.store,
  location: r.location,
  fromTime: r.from_time,
});

/** Serialises `ensureProjections` across processes starting at once (several projectors, tests). */
const ENSURE_LOCK_KEY = 0x4ea11;

/** True when TimescaleDB is installed in the database: hypertables and compression instead of partitions. */
export async function detectTimescale(db: pg.Pool | pg.ClientBase): Promise<PostgresDdlContext> {
  const { rows } = await db.query<{ installed: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed",
  );
  return { timescale: rows[0]?.installed === true };
}

/** Generations of the named projections, newest first per projection. */
export async function readGenerations(
  db: pg.Pool | pg.ClientBase,
  schema: string,
  projections: readonly string[],
): Promise<Generation[]> {
  const { rows } = await db.query<GenerationDbRow>(
    `SELECT projection, generation, status, store, location, from_time
       FROM ${qualified(schema, 'projection_generations')}
      WHERE projection = ANY($1::text[]) ORDER BY projection, generation DESC`,
    [projections],
  );
  return rows.map(toGeneration);
}

/** Points each reader view of a Postgres projection at one generation's tables. */
export async function pointReaderViews(
  client: pg.ClientBase,
  schema: string,
  projection: AnyProjection,
  location: string,
): Promise<void> {
  if (projection.store !== 'postgres') return;
  for (const view of projection.readerViews) {
    // Drop and create rather than CREATE OR REPLACE: a new generation may have other columns.
    await client.query(`DROP VIEW IF EXISTS ${qualified(schema, view)}`);
    await client.query(
      `CREATE VIEW ${qualified(schema, view)} AS SELECT * FROM ${qualified(location, view)}`,
    );
  }
}

/**
 * Creates one generation in the caller's transaction: its row and, for Postgres, its schema and
 * tables (the definition's DDL run there). Returns the row.
 */
export async function createGeneration(
  client: pg.ClientBase,
  schema: string,
  projection: AnyProjection,
  options: {
    readonly generation: number;
    readonly status: GenerationStatus;
    readonly context: PostgresDdlContext;
    readonly fromTime?: Date;
  },
): Promise<Generation> {
  const location =
    projection.store === 'postgres'
      ? generationSchema(schema, projection.name, options.generation)
      : redisGenerationPrefix(projection.name, options.generation);
  const { rows } = await client.query<GenerationDbRow>(
    `INSERT INTO ${qualified(schema, 'projection_generations')}
       (projection, generation, status, store, location, from_time, activated_at)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $3 = 'active' THEN now() END)
     RETURNING projection, generation, status, store, location, from_time`,
    [
      projection.name,
      options.generation,
      options.status,
      projection.store,
      location,
      options.fromTime ?? null,
    ],
  );
  if (projection.store === 'postgres') {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(location)} CASCADE`);
    await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(location)}`);
    await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(location)}, public`);
    await client.query(projection.ddl(options.context));
    await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(schema)}, public`);
  }
  const row = rows[0];
  if (row === undefined)
    throw new Error(`generation ${options.generation} of ${projection.name} not created`);
  return toGeneration(row);
}

/** Deletes every key under `prefix` (after the client's own key prefix), with SCAN and UNLINK. */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  const clientPrefix = redis.options.keyPrefix ?? '';
  // SCAN matches raw key names (ioredis does not prefix patterns); UNLINK prefixes them itself.
  const stream = redis.scanStream({ match: `${clientPrefix}${prefix}*`, count: 500 });
  let deleted = 0;
  for await (const batch of stream as AsyncIterable<string[]>) {
    if (batch.length === 0) continue;
    deleted += await redis.unlink(...batch.map((k) => k.slice(clientPrefix.length)));
  }
  return deleted;
}

/** Removes a generation's data (schema or keys) and its row (its offsets go with it). */
export async function dropGeneration(stores: ProjectionStores, generation: Generation): Promise<void> {
  if (generation.store === 'postgres') {
    await stores.pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(generation.location)} CASCADE`);
  } else {
    await deleteRedisPrefix(stores.redis, generation.location);
  }
  await stores.pool.query(
    `DELETE FROM ${qualified(stores.schema, 'projection_generations')} WHERE projection = $1 AND generation = $2`,
    [generation.projection, generation.generation],
  );
}

/**
 * Makes every projection of the catalogue servable: a projection without an active generation gets
 * one (generation 1 on a fresh database), with its schema, tables and reader views, or its Redis
 * pointer. An existing active generation keeps its data; its views and pointer are re-asserted
 * (repairing a pointer left behind by a rebuild that died between its commit and the Redis write).
 * Idempotent and safe to run from several processes at once.
 */
export async function ensureProjections(
  stores: ProjectionStores,
  projections: readonly AnyProjection[],
): Promise<PostgresDdlContext> {
  const client = await stores.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ENSURE_LOCK_KEY]);
    const context = await detectTimescale(client);
    const known = await readGenerations(
      client,
      stores.schema,
      projections.map((p) => p.name),
    );
    for (const projection of projections) {
      const mine = known.filter((g) => g.projection === projection.name);
      let active = mine.find((g) => g.status === 'active');
      await client.query('BEGIN');
      try {
        if (active === undefined) {
          const generation = Math.max(0, ...mine.map((g) => g.generation)) + 1;
          active = await createGeneration(client, stores.schema, projection, {
            generation,
            status: 'active',
            context,
          });
          await pointReaderViews(client, stores.schema, projection, active.location);
        } else if (projection.store === 'postgres') {
          await ensureViewsExist(client, stores.schema, projection, active.location);
        } else if ((await stores.redis.exists(activeGenerationKey(projection.name))) === 0) {
          // The pointer is never deleted (a rebuild moves it), so its absence means Redis lost its
          // data while the offsets say the events were applied (see lost-redis.ts): the projector
          // refolds the log into the generation from its start.
          await client.query(
            `DELETE FROM ${qualified(stores.schema, 'projection_offsets')} WHERE projection = $1 AND generation = $2`,
            [active.projection, active.generation],
          );
          await deleteRedisPrefix(stores.redis, active.location);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      if (projection.store === 'redis')
        await stores.redis.set(activeGenerationKey(projection.name), String(active.generation));
    }
    return context;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ENSURE_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

/** Creates reader views that are missing (a definition gained a view), leaving existing ones alone. */
async function ensureViewsExist(
  client: pg.ClientBase,
  schema: string,
  projection: AnyProjection,
  location: string,
): Promise<void> {
  if (projection.store !== 'postgres') return;
  for (const view of projection.readerViews) {
    const { rows } = await client.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [qualified(schema, view)],
    );
    if (rows[0]?.present) continue;
    const exists = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
      qualified(location, view),
    ]);
    if (exists.rows[0]?.present)
      await client.query(
        `CREATE VIEW ${qualified(schema, view)} AS SELECT * FROM ${qualified(location, view)}`,
      );
  }
}
