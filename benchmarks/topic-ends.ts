import type { Platform } from '../app/index.ts';
import { activeProjectionOffsets } from './projection-offsets.ts';

/** High-water mark per partition of a topic (partitions never written are left out). */
export async function highWaterMarks(platform: Platform, topic: string): Promise<Map<number, bigint>> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.filter((o) => BigInt(o.high) > 0n).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether a position reached a partition's end. Topics written in transactions end with a commit
 * marker that no consumer position past the last event (last + 1) reaches, hence the slack of one.
 */
export function reachedEnd(position: bigint, end: bigint, transactional: boolean): boolean {
  return position >= (transactional ? end - 1n : end);
}

/** A consumer's standing on its backlog: every partition at its end or not, and the sum of its positions. */
export interface BacklogPosition {
  readonly done: boolean;
  readonly position: bigint;
}

/** Whether `groupId` has committed every partition of `topic` up to its end, and how far it has committed. */
export async function groupAtEnd(
  platform: Platform,
  groupId: string,
  topic: string,
  ends: ReadonlyMap<number, bigint>,
  transactional: boolean,
): Promise<BacklogPosition> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    let done = true;
    let position = 0n;
    for (const [partition, end] of ends) {
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset;
      const at = offset === undefined || offset === '-1' ? 0n : BigInt(offset);
      position += at;
      if (!reachedEnd(at, end, transactional)) done = false;
    }
    return { done, position };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Whether every projection handling each topic has stored offsets up to the topic's end (active
 * generations), and how far: per topic partition, the least offset any of its projections stored.
 */
export async function projectionsAtEnd(
  platform: Platform,
  ends: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
  handlers: (topic: string) => readonly string[],
  transactional: (topic: string) => boolean,
): Promise<BacklogPosition> {
  const stored = await activeProjectionOffsets(platform.pool);
  let done = true;
  let position = 0n;
  for (const [topic, partitions] of ends)
    for (const [partition, end] of partitions) {
      const at = handlers(topic).map((name) => stored.get(`${name}/${topic}/${partition}`) ?? 0n);
      const least = at.reduce((a, b) => (b < a ? b : a), end);
      position += least;
      if (!reachedEnd(least, end, transactional(topic))) done = false;
    }
  return { done, position };
}
