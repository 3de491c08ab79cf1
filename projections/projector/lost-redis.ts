import type pg from 'pg';
import type { Logger } from '../../infra/logging/index.ts';
import { activeGenerationKey, qualified } from '../generation-names.ts';
import type { AnyProjection } from '../projection.ts';
import { deleteRedisPrefix, type ProjectionStores } from './generations.ts';

/**
 * Redis projections whose active pointer (`p:<name>:active`) is absent from Redis.
 *
 * The pointer is written when a generation becomes active (`ensureProjections`, a rebuild's switch)
 * and nothing deletes it: a rebuild moves it to the new generation with a SET, so it is never
 * absent, only pointing elsewhere. Its absence therefore means Redis lost its data (restarted
 * without persistence, flushed, failed over to an empty replica) while `projection_offsets` (in
 * Postgres) still say the events were applied. Left alone, the projection would carry on from there
 * over an empty key space: readers see nothing, every key without a new event stays missing, and an
 * older event re-sent passes the compare-and-set, which has nothing to compare it with.
 */
export async function redisProjectionsLost(
  stores: ProjectionStores,
  projections: readonly AnyProjection[],
): Promise<AnyProjection[]> {
  const redisOnes = projections.filter((p) => p.store === 'redis');
  if (redisOnes.length === 0) return [];
  const pointers = await stores.redis.mget(...redisOnes.map((p) => activeGenerationKey(p.name)));
  return redisOnes.filter((_, i) => pointers[i] === null);
}

/**
 * Makes the projector refold the log into each lost Redis projection. In one transaction with the
 * active generation row locked `FOR UPDATE` (batches lock it `FOR SHARE`, so none is writing it
 * meanwhile): the pointer is checked again (another projector may have done this already), the
 * generation's stored offsets are deleted and its leftover keys (written since Redis came back)
 * removed; after the commit the pointer is set. A crash in between leaves the pointer absent, so the
 * next batch does it again; two projectors doing it at once refold twice, which is harmless. The
 * caller seeks its partitions back (batches in flight see their offsets went back and are not
 * applied, see `wentBackSince`). Returns the names of the projections reset.
 */
export async function resetLostRedisProjections(
  stores: ProjectionStores,
  lost: readonly AnyProjection[],
  logger: Logger,
): Promise<string[]> {
  const reset: string[] = [];
  for (const projection of lost) {
    const client = await stores.pool.connect();
    let generation: number | undefined;
    try {
      await client.query('BEGIN');
      generation = await resetOne(client, stores, projection);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (generation === undefined) continue;
    await stores.redis.set(activeGenerationKey(projection.name), String(generation));
    logger.warn(
      { projection: projection.name, generation },
      'redis lost this projection (its active pointer is absent): refolding it from the start of the log',
    );
    reset.push(projection.name);
  }
  return reset;
}

async function resetOne(
  client: pg.ClientBase,
  stores: ProjectionStores,
  projection: AnyProjection,
): Promise<number | undefined> {
  const { rows } = await client.query<{ generation: number; location: string }>(
    `SELECT generation, location FROM ${qualified(stores.schema, 'projection_generations')}
      WHERE projection = $1 AND status = 'active' FOR UPDATE`,
    [projection.name],
  );
  const active = rows[0];
  if (active === undefined) return undefined;
  if ((await stores.redis.exists(activeGenerationKey(projection.name))) === 1) return undefined;
  await client.query(
    `DELETE FROM ${qualified(stores.schema, 'projection_offsets')} WHERE projection = $1 AND generation = $2`,
    [projection.name, active.generation],
  );
  await deleteRedisPrefix(stores.redis, active.location);
  return active.generation;
}
