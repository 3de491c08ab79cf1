import { EaioError } from '../errors/index.ts';
import type { Platform } from './connect-platform.ts';

export type RewindTarget = { readonly kind: 'earliest' } | { readonly kind: 'datetime'; readonly at: Date };

export interface RewindOptions {
  readonly target: RewindTarget;
  /** Empty the read models first, so they are rebuilt from nothing (only with `earliest`). */
  readonly dropReadModels: boolean;
  /** Consumer group to rewind; the projector's by default. */
  readonly groupId?: string;
}

export interface RewindResult {
  readonly groupId: string;
  readonly partitions: readonly { topic: string; partition: number; offset: string }[];
  readonly droppedReadModels: boolean;
}

/** Tables the projector writes; emptied together so no read model is left half rebuilt. */
const PROJECTED_TABLES = ['buildings', 'readings', 'latest_readings'] as const;
const PROJECTED_KEY_PATTERNS = ['meter:*', 'building:*'] as const;

/**
 * Replay: moves the projector's committed offsets back to the start of the log or to a time, so the
 * next run refolds the log. Refuses while the group has live members: rewinding under a running
 * consumer would be overwritten by its next commit.
 */
export async function rewindProjector(platform: Platform, options: RewindOptions): Promise<RewindResult> {
  const groupId = options.groupId ?? `${platform.names.prefix}projector`;
  const topics = [platform.names.topic('buildings'), platform.names.topic('sensorReadings')];
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const members = groups[0]?.members ?? [];
    if (members.length > 0) {
      throw new EaioError(
        'GROUP_ACTIVE',
        'permanent',
        `Consumer group ${groupId} is active (${members.length} member(s): ${members.map((m) => m.clientHost + m.clientId).join(', ')}). ` +
          'Stop `eaio start` / `eaio project` first; the group must be empty to be rewound.',
        { context: { groupId, members: members.length } },
      );
    }
    if (options.dropReadModels && options.target.kind !== 'earliest') {
      throw new EaioError(
        'INVALID_ARGUMENT',
        'permanent',
        'Dropping the read models only makes sense with --to-earliest.',
      );
    }
    const partitions: { topic: string; partition: number; offset: string }[] = [];
    for (const topic of topics) {
      const offsets =
        options.target.kind === 'earliest'
          ? (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.low }))
          : await admin.fetchTopicOffsetsByTimestamp(topic, options.target.at.getTime());
      await admin.setOffsets({ groupId, topic, partitions: offsets });
      partitions.push(...offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })));
    }
    // Offsets first: if emptying fails afterwards, the next run refolds over the old rows, which
    // idempotent writes allow; the other order could leave empty read models past the log's end.
    if (options.dropReadModels) {
      await platform.pool.query(`TRUNCATE ${PROJECTED_TABLES.join(', ')}`);
      await deleteKeys(platform, PROJECTED_KEY_PATTERNS);
    }
    return { groupId, partitions, droppedReadModels: options.dropReadModels };
  } finally {
    await admin.disconnect();
  }
}

async function deleteKeys(platform: Platform, patterns: readonly string[]): Promise<void> {
  const prefix = platform.config.redis.keyPrefix;
  for (const pattern of patterns) {
    // SCAN matches raw key names: ioredis does not prefix patterns, so the prefix is added here and
    // stripped again before DEL, which ioredis prefixes itself.
    const stream = platform.redis.scanStream({ match: `${prefix}${pattern}`, count: 500 });
    for await (const batch of stream as AsyncIterable<string[]>) {
      if (batch.length > 0) await platform.redis.del(...batch.map((k) => k.slice(prefix.length)));
    }
  }
}
