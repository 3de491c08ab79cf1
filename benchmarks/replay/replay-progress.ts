import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { activeProjectionOffsets } from '../projection-offsets.ts';
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
      const stored = await activeProjectionOffsets(pool);
      let reached = 0n;
      for (const [key, next] of stored) {
        const end = target.ends.get(key);
        if (end !== undefined) reached += next < end ? next : end;
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
