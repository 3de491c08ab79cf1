import type { TestPlatform } from '../../support/test-platform.ts';

/**
 * The sum of a consumer group's committed offsets on a topic (0 for a partition without one): grows
 * as the group commits, so a scenario can wait for a member to make progress before breaking it.
 */
export async function committedTotal(
  platform: TestPlatform,
  groupId: string,
  topic: string,
): Promise<bigint> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((n, p) => n + (p.offset === '-1' ? 0n : BigInt(p.offset)), 0n);
  } finally {
    await admin.disconnect();
  }
}
