import type pg from 'pg';

/** Where an answer came from, so a caller can judge how far it can trust it. */
export interface Provenance {
  /** The read model that answered. */
  readonly projection: string;
  /** Its active generation; null when the projection has never run here. */
  readonly generation: number | null;
  /** Per topic-partition, the next offset the generation will apply: every event before it is in the answer. */
  readonly offsets: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly nextOffset: string;
  }[];
  /** When the projector last stored offsets for it (wall clock), null when never. */
  readonly lastAppliedAt: Date | null;
}

/** What an answer says, fresh or kept: the data, what it was read from, and how recent its events are. */
export interface AnswerBody<T> {
  readonly data: T;
  readonly provenance: readonly Provenance[];
  /** Event time of the newest event behind the answer, null when there is none; never after `asOf`. */
  readonly dataUntil: Date | null;
  /** The as-of bound the answer was read with (only events with event time up to it); absent: none. */
  readonly asOf?: Date;
}

/**
 * An answer served while PostgreSQL was unavailable: the last good answer to the same query, kept in
 * Redis. Its data and provenance are as they were then; these fields say how old it is and why.
 */
export interface Staleness {
  readonly stale: true;
  /** When this answer was last read fresh from PostgreSQL. */
  readonly staleSince: Date;
  /** How old it was when served, in milliseconds. */
  readonly ageMs: number;
  /** Why no fresh answer could be read (e.g. `PostgreSQL is unavailable (circuit open ...)`). */
  readonly reason: string;
}

/**
 * An answer of the query layer: the data, what it was read from, and how fresh it is. `stale: false`
 * for an answer read now; `stale: true` with {@link Staleness} for a kept one.
 */
export type Answer<T> = AnswerBody<T> & ({ readonly stale: false } | Staleness);

/**
 * Reads the provenance of the given projections from the engine's bookkeeping tables (the
 * active generation and its stored offsets), in one round trip.
 */
export async function readProvenance(
  db: pg.Pool | pg.ClientBase,
  projections: readonly string[],
): Promise<Provenance[]> {
  const { rows } = await db.query<{
    projection: string;
    generation: number | null;
    topic: string | null;
    partition: number | null;
    next_offset: string | null;
    updated_at: Date | null;
  }>(
    `SELECT p.projection, g.generation, o.topic, o.partition, o.next_offset, o.updated_at
       FROM unnest($1::text[]) AS p(projection)
       LEFT JOIN projection_generations g ON g.projection = p.projection AND g.status = 'active'
       LEFT JOIN projection_offsets o ON o.projection = g.projection AND o.generation = g.generation
      ORDER BY p.projection, o.topic, o.partition`,
    [projections],
  );
  const byName = new Map<
    string,
    { generation: number | null; offsets: Provenance['offsets'][number][]; last: Date | null }
  >();
  for (const row of rows) {
    const entry = byName.get(row.projection) ?? { generation: row.generation, offsets: [], last: null };
    if (row.topic !== null && row.partition !== null && row.next_offset !== null) {
      entry.offsets.push({ topic: row.topic, partition: row.partition, nextOffset: row.next_offset });
    }
    if (row.updated_at !== null && (entry.last === null || row.updated_at > entry.last))
      entry.last = row.updated_at;
    byName.set(row.projection, entry);
  }
  return projections.map((projection) => {
    const entry = byName.get(projection);
    return {
      projection,
      generation: entry?.generation ?? null,
      offsets: entry?.offsets ?? [],
      lastAppliedAt: entry?.last ?? null,
    };
  });
}
