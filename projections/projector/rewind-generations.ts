import pg from 'pg';
import { qualified } from '../generation-names.ts';
import type { AnyProjection, PostgresDdlContext } from '../projection.ts';
import {
  deleteRedisPrefix,
  type ProjectionStores,
  pointReaderViews,
  readGenerations,
} from './generations.ts';

/**
 * Empties the active generation of each projection in place: its schema is recreated from the
 * DDL with the views repointed (one transaction, so readers see the old rows or none), its Redis
 * keys deleted, and its offsets removed, so the projector refolds the log from its start into it.
 */
export async function resetActiveGenerations(
  stores: ProjectionStores,
  projections: readonly AnyProjection[],
  context: PostgresDdlContext,
): Promise<void> {
  const active = (
    await readGenerations(
      stores.pool,
      stores.schema,
      projections.map((p) => p.name),
    )
  ).filter((g) => g.status === 'active');
  for (const projection of projections) {
    const generation = active.find((g) => g.projection === projection.name);
    if (generation === undefined) continue;
    const client = await stores.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `DELETE FROM ${qualified(stores.schema, 'projection_offsets')} WHERE projection = $1 AND generation = $2`,
        [generation.projection, generation.generation],
      );
      if (projection.store === 'postgres') {
        const schema = pg.escapeIdentifier(generation.location);
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET LOCAL search_path TO ${schema}, public`);
        await client.query(projection.ddl(context));
        await pointReaderViews(client, stores.schema, projection, generation.location);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (projection.store === 'redis') await deleteRedisPrefix(stores.redis, generation.location);
  }
}

/**
 * Moves the stored offsets of the active generations back to `offsets` (never forward), so the
 * projector re-applies the log from there over the existing rows (upserts by natural key).
 */
export async function rewindActiveGenerations(
  stores: ProjectionStores,
  projections: readonly AnyProjection[],
  offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: string }[],
): Promise<void> {
  if (offsets.length === 0) return;
  await stores.pool.query(
    `UPDATE ${qualified(stores.schema, 'projection_offsets')} o
        SET next_offset = LEAST(o.next_offset, t.next_offset), updated_at = now()
       FROM unnest($2::text[], $3::int[], $4::bigint[]) AS t(topic, partition, next_offset),
            ${qualified(stores.schema, 'projection_generations')} g
      WHERE o.topic = t.topic AND o.partition = t.partition
        AND g.projection = o.projection AND g.generation = o.generation
        AND g.status = 'active' AND o.projection = ANY($1::text[])`,
    [
      projections.map((p) => p.name),
      offsets.map((o) => o.topic),
      offsets.map((o) => o.partition),
      offsets.map((o) => o.offset),
    ],
  );
}
