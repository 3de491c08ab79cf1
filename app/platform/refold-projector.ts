import type { Platform } from './connect-platform.ts';
import { projectionsStatus } from './projections-admin.ts';
import { runProjector } from './run-projector.ts';

/** How far a refold has read, in messages. */
export interface RefoldProgress {
  /** Messages read so far (events projected, dead-lettered, or transaction markers passed). */
  readonly done: number;
  readonly total: number;
}

/**
 * Replay as an ordinary consumer that stops: runs the projector from its stored offsets
 * (`projection_offsets` of the active generations) until it has read up to the high-water marks
 * taken at the start, reporting progress, then stops. Events produced meanwhile are left to the
 * live projector.
 */
export async function refoldProjector(
  platform: Platform,
  onProgress: (progress: RefoldProgress) => void = () => undefined,
): Promise<RefoldProgress> {
  // Where each partition stands: the projection furthest behind on it sets where the refold starts.
  const remaining = new Map<string, { start: bigint; end: bigint; next: bigint }>();
  for (const projection of await projectionsStatus(platform)) {
    for (const p of projection.partitions) {
      const id = `${p.topic}/${p.partition}`;
      const start = p.endOffset - p.lag;
      const seen = remaining.get(id);
      if (seen === undefined || start < seen.start)
        remaining.set(id, { start, end: p.endOffset, next: start });
    }
  }
  for (const [id, r] of remaining) if (r.end <= r.start) remaining.delete(id);
  const total = [...remaining.values()].reduce((sum, r) => sum + Number(r.end - r.start), 0);
  const read = () => [...remaining.values()].reduce((sum, r) => sum + Number(r.next - r.start), 0);
  let finished = 0;
  if (remaining.size === 0) return { done: 0, total: 0 };

  let finish: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const projector = await runProjector(platform, {
    onPosition: ({ topic, partition, next }) => {
      const r = remaining.get(`${topic}/${partition}`);
      if (r === undefined || r.next >= r.end) return;
      r.next = next > r.end ? r.end : next;
      if (r.next >= r.end) finished += 1;
      onProgress({ done: read(), total });
      if (finished === remaining.size) finish();
    },
  });
  await caughtUp;
  await projector.stop();
  return { done: read(), total };
}
