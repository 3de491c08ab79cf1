import type pg from 'pg';

/**
 * The offsets every projection's active generation has stored, keyed `projection/topic/partition`:
 * how far the read models really are, which the benchmarks compare against the topics' ends.
 */
export async function activeProjectionOffsets(pool: Pick<pg.Pool, 'query'>): Promise<Map<string, bigint>> {
  const { rows } = await pool.query<{
    projection: string;
    topic: string;
    partition: number;
    next_offset: string;
  }>(
    `SELECT o.projection, o.topic, o.partition, o.next_offset FROM projection_offsets o
       JOIN projection_generations g USING (projection, generation) WHERE g.status = 'active'`,
  );
  return new Map(rows.map((r) => [`${r.projection}/${r.topic}/${r.partition}`, BigInt(r.next_offset)]));
}
