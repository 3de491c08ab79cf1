import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { ProgressSample } from './extrapolate.ts';

/** Where every (read model, topic) pair has to get: the high-water mark of each partition. */
export interface ProgressTarget {
  /** `projection/topic/partition` → the partition's high-water mark. */
  readonly ends: ReadonlyMap<string, bigint>;
  readonly total: bigint;
}

/** The high-water marks each read model of `handlers` must reach on the topics it reads. */
export async function progressTarget(
  kafka: Kafka,
  handlers: ReadonlyMap<string, readonly string[]>,
): Promise<ProgressTarget> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    let total = 0n;
    for (const [topic, projections] of handlers) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        for (const projection of projections) {
          ends.set(`${projection}/${topic}/${p.partition}`, BigInt(p.high));
          total += BigInt(p.high);
        }
      }
    }
    return { ends, total };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Samples, every `everyMs`, the share of the target the active generations' stored offsets
 * (`projection_offsets`, written with the rows) have reached, while a replay runs in another process.
 */
export function sampleProgress(
  pool: pg.Pool,
  target: ProgressTarget,
  everyMs = 500,
): { stop(): Promise<ProgressSample[]> } {
  const started = performance.now();
  const samples: ProgressSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await pool.query<{
        projection: string;
        topic: string;
        partition: number;
        next_offset: string;
      }>(
        `SELECT o.projection, o.topic, o.partition, o.next_offset FROM projection_offsets o
           JOIN projection_generations g USING (projection, generation) WHERE g.status = 'active'`,
      );
      let reached = 0n;
      for (const r of rows) {
        const end = target.ends.get(`${r.projection}/${r.topic}/${r.partition}`);
        if (end !== undefined) reached += BigInt(r.next_offset) < end ? BigInt(r.next_offset) : end;
      }
      samples.push({
        seconds: (performance.now() - started) / 1000,
        done: target.total === 0n ? 1 : Number(reached) / Number(target.total),
      });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}
