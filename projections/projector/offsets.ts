import type pg from 'pg';
import { qualified } from '../generation-names.ts';

/** A generation of a projection, as offsets are keyed. */
export interface GenerationKey {
  readonly projection: string;
  readonly generation: number;
}

/** The next offset a generation will apply on one topic-partition. */
export interface StoredOffset {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: bigint;
}

/** Every stored offset of one generation. */
export async function readGenerationOffsets(
  db: pg.Pool | pg.ClientBase,
  schema: string,
  generation: GenerationKey,
): Promise<StoredOffset[]> {
  const { rows } = await db.query<{ topic: string; partition: number; next_offset: string }>(
    `SELECT topic, partition, next_offset FROM ${qualified(schema, 'projection_offsets')}
      WHERE projection = $1 AND generation = $2 ORDER BY topic, partition`,
    [generation.projection, generation.generation],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: BigInt(r.next_offset) }));
}

/** Moves a generation's offsets forward (never back: a redelivered older batch cannot rewind it). */
export async function advanceOffsets(
  client: pg.ClientBase,
  schema: string,
  generation: GenerationKey,
  offsets: readonly StoredOffset[],
): Promise<void> {
  if (offsets.length === 0) return;
  await client.query(
    `INSERT INTO ${qualified(schema, 'projection_offsets')} (projection, generation, topic, partition, next_offset)
     SELECT $1, $2, t.topic, t.partition, t.next_offset
       FROM unnest($3::text[], $4::int[], $5::bigint[]) AS t(topic, partition, next_offset)
     ON CONFLICT (projection, generation, topic, partition) DO UPDATE
       SET next_offset = GREATEST(projection_offsets.next_offset, excluded.next_offset), updated_at = now()`,
    [
      generation.projection,
      generation.generation,
      offsets.map((o) => o.topic),
      offsets.map((o) => o.partition),
      offsets.map((o) => o.nextOffset.toString()),
    ],
  );
}

/**
 * Moves the offsets of several generations on one topic-partition to `nextOffset` in one statement
 * (never back, as {@link advanceOffsets}).
 */
export async function advancePartitionOffsets(
  client: pg.ClientBase,
  schema: string,
  generations: readonly GenerationKey[],
  topic: string,
  partition: number,
  nextOffset: bigint,
): Promise<void> {
  if (generations.length === 0) return;
  await client.query(
    `INSERT INTO ${qualified(schema, 'projection_offsets')} (projection, generation, topic, partition, next_offset)
     SELECT g.projection, g.generation, $3, $4, $5
       FROM unnest($1::text[], $2::int[]) AS g(projection, generation)
     ON CONFLICT (projection, generation, topic, partition) DO UPDATE
       SET next_offset = GREATEST(projection_offsets.next_offset, excluded.next_offset), updated_at = now()`,
    [
      generations.map((g) => g.projection),
      generations.map((g) => g.generation),
      topic,
      partition,
      nextOffset.toString(),
    ],
  );
}
