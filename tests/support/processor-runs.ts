import { readTopicToEnd } from '../../infra/kafka/index.ts';
import { type ProcessorDefinition, type RunningProcessor, runProcessor } from '../../processors/index.ts';
import type { TopicKey, TopicValue } from '../../schemas/index.ts';
import type { TestPlatform } from './test-platform.ts';
import { waitFor } from './wait-for.ts';

/** One decoded message of a catalogue topic, with where it sat and its key. */
export interface TopicEvent<K extends TopicKey> {
  readonly partition: number;
  readonly key: string | null;
  readonly value: TopicValue<K>;
}

/** Every message of a catalogue topic up to its current end, decoded, in partition then offset order. */
export async function readEvents<K extends TopicKey>(
  platform: TestPlatform,
  topic: K,
): Promise<TopicEvent<K>[]> {
  const messages = await readTopicToEnd(platform.kafka, platform.names.topic(topic));
  return Promise.all(
    messages.map(async ({ partition, message }) => ({
      partition,
      key: message.key?.toString() ?? null,
      value: (await platform.codec.decode(topic, message.value)).value as TopicValue<K>,
    })),
  );
}

/**
 * Resolves once the group has committed past the last data message of every partition of `topic`.
 * Not the high-water mark: a topic written in transactions ends with a commit marker, which a
 * processor's committed offset (last data offset + 1) never passes.
 */
export async function caughtUp(platform: TestPlatform, groupId: string, topic: string): Promise<void> {
  const ends = new Map<number, bigint>();
  for (const { partition, message } of await readTopicToEnd(platform.kafka, topic)) {
    ends.set(partition, BigInt(message.offset) + 1n);
  }
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `${groupId} caught up on ${topic}`,
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const done = [...ends].every(([partition, end]) => {
          const offset = committed?.partitions.find((p) => p.partition === partition)?.offset;
          return offset !== undefined && offset !== '-1' && BigInt(offset) >= end;
        });
        return done ? true : undefined;
      },
      { timeoutMs: 90_000 },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Runs a processor over everything its input topic holds now, then stops it: the run a test
 * compares with the pure operator or with a second run from scratch (give that one another name, so
 * another consumer group and transactional ids).
 */
export async function runToEnd<I extends TopicKey, O extends TopicKey>(
  platform: TestPlatform,
  definition: ProcessorDefinition<I, O>,
): Promise<void> {
  const running: RunningProcessor = await runProcessor({ ...platform, sessionTimeoutMs: 6_000 }, definition);
  try {
    await caughtUp(platform, running.groupId, platform.names.topic(definition.input));
  } finally {
    await running.stop();
  }
}

/** Events as a multiset of their JSON, to compare runs without depending on partition interleaving. */
export function multiset(events: readonly unknown[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) {
    const k = JSON.stringify(e);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}
