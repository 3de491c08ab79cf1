import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { TopicKey, TopicNames } from '../../schemas/index.ts';
import type { AnyProjection } from '../projection.ts';
import { readGenerations } from './generations.ts';
import { readGenerationOffsets } from './offsets.ts';

/** One partition of a projection's active generation: where it stands against the log's end. */
export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  /** Next offset the generation will apply; undefined when it never applied anything there. */
  readonly nextOffset: bigint | undefined;
  readonly endOffset: bigint;
  /** Messages between the stored offset (or the log's start) and the end. */
  readonly lag: bigint;
}

export interface ProjectionStatus {
  readonly name: string;
  readonly store: 'postgres' | 'redis';
  readonly description: string;
  readonly activeGeneration: number | undefined;
  /** A rebuild in progress (or one that died and will be cleaned up by the next). */
  readonly buildingGeneration: number | undefined;
  readonly retiredGenerations: readonly number[];
  /** Schema (postgres) or key prefix (redis) of the active generation. */
  readonly location: string | undefined;
  readonly partitions: readonly PartitionStatus[];
  readonly lag: bigint;
}

/** Each projection's generations, the active one's offsets per partition and its lag. */
export async function listProjections(
  deps: {
    readonly pool: pg.Pool;
    readonly schema: string;
    readonly kafka: Kafka;
    readonly names: TopicNames;
  },
  projections: readonly AnyProjection[],
): Promise<ProjectionStatus[]> {
  const generations = await readGenerations(
    deps.pool,
    deps.schema,
    projections.map((p) => p.name),
  );
  const admin = deps.kafka.admin();
  await admin.connect();
  const ends = new Map<string, { partition: number; low: bigint; high: bigint }[]>();
  try {
    for (const topic of new Set(
      projections.flatMap((p) => (p.handles as readonly TopicKey[]).map(deps.names.topic)),
    )) {
      ends.set(
        topic,
        (await admin.fetchTopicOffsets(topic)).map((p) => ({
          partition: p.partition,
          low: BigInt(p.low),
          high: BigInt(p.high),
        })),
      );
    }
  } finally {
    await admin.disconnect();
  }
  const statuses: ProjectionStatus[] = [];
  for (const projection of projections) {
    const mine = generations.filter((g) => g.projection === projection.name);
    const active = mine.find((g) => g.status === 'active');
    const stored = active ? await readGenerationOffsets(deps.pool, deps.schema, active) : [];
    const partitions: PartitionStatus[] = [];
    for (const key of projection.handles as readonly TopicKey[]) {
      const topic = deps.names.topic(key);
      for (const end of ends.get(topic) ?? []) {
        const next = stored.find((o) => o.topic === topic && o.partition === end.partition)?.nextOffset;
        const from = next ?? end.low;
        partitions.push({
          topic,
          partition: end.partition,
          nextOffset: next,
          endOffset: end.high,
          lag: end.high > from ? end.high - from : 0n,
        });
      }
    }
    statuses.push({
      name: projection.name,
      store: projection.store,
      description: projection.description,
      activeGeneration: active?.generation,
      buildingGeneration: mine.find((g) => g.status === 'building')?.generation,
      retiredGenerations: mine.filter((g) => g.status === 'retired').map((g) => g.generation),
      location: active?.location,
      partitions,
      lag: partitions.reduce((sum, p) => sum + p.lag, 0n),
    });
  }
  return statuses;
}
