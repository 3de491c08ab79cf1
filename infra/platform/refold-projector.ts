import type { Platform } from './connect-platform.ts';
import { runProjector } from './run-projector.ts';

export interface RefoldProgress {
  /** Messages read so far (events projected, dead-lettered, or transaction markers passed). */
  readonly done: number;
  readonly total: number;
}

/**
 * Replay as an ordinary consumer that stops: runs the projector from its committed offsets until
 * it has read up to the high-water marks taken at the start, reporting progress, then stops.
 * Events produced meanwhile are left to the live projector.
 */
export async function refoldProjector(
  platform: Platform,
  onProgress: (progress: RefoldProgress) => void = () => undefined,
): Promise<RefoldProgress> {
  const groupId = `${platform.names.prefix}projector`;
  const topics = [platform.names.topic('buildings'), platform.names.topic('sensorReadings')];
  const remaining = new Map<string, { start: bigint; end: bigint; next: bigint }>();
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const offset = BigInt(committed.find((c) => c.partition === p.partition)?.offset ?? '-1');
        const start = offset < 0n ? BigInt(p.low) : offset;
        if (BigInt(p.high) > start)
          remaining.set(`${topic}/${p.partition}`, { start, end: BigInt(p.high), next: start });
      }
    }
  } finally {
    await admin.disconnect();
  }
  const total = [...remaining.values()].reduce((sum, r) => sum + Number(r.end - r.start), 0);
  const read = () => [...remaining.values()].reduce((sum, r) => sum + Number(r.next - r.start), 0);
  let finished = 0;
  if (remaining.size === 0) return { done: 0, total: 0 };

  let finish: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const projector = await runProjector(platform, undefined, ({ topic, partition, next }) => {
    const r = remaining.get(`${topic}/${partition}`);
    if (r === undefined || r.next >= r.end) return;
    r.next = next > r.end ? r.end : next;
    if (r.next >= r.end) finished += 1;
    onProgress({ done: read(), total });
    if (finished === remaining.size) finish();
  });
  await caughtUp;
  await projector.stop();
  return { done: read(), total };
}
