import type { TopicKey } from '../../schemas/index.ts';
import type { TestPlatform } from './test-platform.ts';
import { waitFor } from './wait-for.ts';

/**
 * Resolves once every named projection's active generation stored, as its next offset, the end of
 * every partition of `topic` (transaction markers included): the projector has folded all of it.
 */
export async function waitForProjectionsAtEnd(
  platform: TestPlatform,
  topic: TopicKey,
  projections: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const schema = platform.config.postgres.schema;
  const name = platform.names.topic(topic);
  await waitFor(
    `${projections.join(', ')} at the end of ${name}`,
    async () => {
      const admin = platform.kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(name).finally(() => admin.disconnect());
      const { rows } = await platform.pool.query<{
        projection: string;
        partition: number;
        next_offset: string;
      }>(
        `SELECT o.projection, o.partition, o.next_offset FROM ${schema}.projection_offsets o
           JOIN ${schema}.projection_generations g USING (projection, generation)
          WHERE g.status = 'active' AND o.topic = $1`,
        [name],
      );
      const atEnd = (projection: string) =>
        ends.every(
          (e) =>
            e.high === '0' ||
            rows.find((r) => r.projection === projection && r.partition === e.partition)?.next_offset ===
              e.high,
        );
      return projections.every(atEnd) ? true : undefined;
    },
    { timeoutMs },
  );
}
