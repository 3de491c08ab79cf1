import type pg from 'pg';
import type { GenerationStatus } from './generations.ts';

/** One generation of a projection, as replay status shows it: its state and how far it has applied the log. */
export interface GenerationReport {
  readonly generation: number;
  readonly status: GenerationStatus;
  readonly store: 'postgres' | 'redis';
  /** Schema (postgres) or key prefix (redis). */
  readonly location: string;
  /** Set for a rebuild from a time: the generation holds only events from then on. */
  readonly fromTime: Date | null;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
  readonly retiredAt: Date | null;
  /** The next offset it will apply per topic-partition it has applied anything on. */
  readonly offsets: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly nextOffset: string;
  }[];
  /** When it last stored offsets (wall clock); null when never. */
  readonly lastAppliedAt: Date | null;
}

/** A projection's generations, newest first. */
export interface ProjectionGenerations {
  readonly projection: string;
  readonly generations: readonly GenerationReport[];
}

/**
 * Every generation of every projection known to this schema's engine tables (the catalogue's and the
 * dead-letter index), with its stored offsets, read from the connection's `search_path`.
 */
export async function queryProjectionGenerations(
  db: pg.ClientBase | pg.Pool,
  projections?: readonly string[],
): Promise<ProjectionGenerations[]> {
  const { rows } = await db.query<{
    projection: string;
    generation: number;
    status: GenerationStatus;
    store: 'postgres' | 'redis';
    location: string;
    from_time: Date | null;
    created_at: Date;
    activated_at: Date | null;
    retired_at: Date | null;
    offsets: { topic: string; partition: number; next_offset: string | number }[] | null;
    last_applied_at: Date | null;
  }>(
    `SELECT g.projection, g.generation, g.status, g.store, g.location, g.from_time, g.created_at,
            g.activated_at, g.retired_at,
            (SELECT json_agg(json_build_object('topic', o.topic, 'partition', o.partition,
                                               'next_offset', o.next_offset::text)
                             ORDER BY o.topic, o.partition)
               FROM projection_offsets o
              WHERE o.projection = g.projection AND o.generation = g.generation) AS offsets,
            (SELECT max(o.updated_at) FROM projection_offsets o
              WHERE o.projection = g.projection AND o.generation = g.generation) AS last_applied_at
       FROM projection_generations g
      WHERE $1::text[] IS NULL OR g.projection = ANY($1::text[])
      ORDER BY g.projection, g.generation DESC`,
    [projections ?? null],
  );
  const byProjection = new Map<string, GenerationReport[]>();
  for (const r of rows) {
    const list = byProjection.get(r.projection) ?? [];
    list.push({
      generation: r.generation,
      status: r.status,
      store: r.store,
      location: r.location,
      fromTime: r.from_time,
      createdAt: r.created_at,
      activatedAt: r.activated_at,
      retiredAt: r.retired_at,
      offsets: (r.offsets ?? []).map((o) => ({
        topic: o.topic,
        partition: o.partition,
        nextOffset: String(o.next_offset),
      })),
      lastAppliedAt: r.last_applied_at,
    });
    byProjection.set(r.projection, list);
  }
  return [...byProjection].map(([projection, generations]) => ({ projection, generations }));
}
