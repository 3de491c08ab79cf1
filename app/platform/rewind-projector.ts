import { EaioError } from '../../infra/errors/index.ts';
import {
  detectTimescale,
  PROJECTIONS,
  resetActiveGenerations,
  rewindActiveGenerations,
} from '../../projections/index.ts';
import type { TopicKey } from '../../schemas/index.ts';
import type { Platform } from './connect-platform.ts';

/** Where the rewind puts the offsets: each partition's start, or its first event at or after `at`. */
export type RewindTarget = { readonly kind: 'earliest' } | { readonly kind: 'datetime'; readonly at: Date };

/** Options of {@link rewindProjector}. */
export interface RewindOptions {
  readonly target: RewindTarget;
  /** Empty the read models first, so they are rebuilt from nothing (only with `earliest`). */
  readonly dropReadModels: boolean;
  /** Consumer group to rewind; the projector's by default. */
  readonly groupId?: string;
}

/** What a rewind moved: each partition's new offset, and whether the read models were emptied. */
export interface RewindResult {
  readonly groupId: string;
  readonly partitions: readonly { topic: string; partition: number; offset: string }[];
  readonly droppedReadModels: boolean;
}

/**
 * Replay in place: moves the projector's offsets back to the start of the log or to a time, so the
 * next run refolds the log into the active generations. For the projector's group these are the
 * stored offsets of `projection_offsets` (the group's committed offsets follow, for lag
 * monitoring); for another group (`groupId`, e.g. a processor's) its committed offsets. Refuses
 * while the group has live members: they would go on from where they are. To rebuild beside the
 * live read model instead, with no downtime, use `rebuildProjection`.
 */
export async function rewindProjector(platform: Platform, options: RewindOptions): Promise<RewindResult> {
  const projectorGroup = `${platform.names.prefix}projector`;
  const groupId = options.groupId ?? projectorGroup;
  const topics = [
    ...new Set(PROJECTIONS.flatMap((p) => (p.handles as readonly TopicKey[]).map(platform.names.topic))),
  ];
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
      // kafkajs sets a group's offsets by joining it, seconds per topic; the projector's are not
      // needed (see below).
      if (groupId !== projectorGroup) await admin.setOffsets({ groupId, topic, partitions: offsets });
      partitions.push(...offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })));
    }
    if (groupId === projectorGroup) {
      const stores = {
        pool: platform.pool,
        redis: platform.redis,
        schema: platform.config.postgres.schema,
      };
      // Offsets before data: if emptying fails afterwards, the next run refolds over the old rows,
      // which idempotent writes allow; the other order could leave empty read models past the end.
      await rewindActiveGenerations(stores, PROJECTIONS, partitions);
      // The projector positions itself from the stored offsets; its group's commits (lag
      // monitoring only) start over with its next batches.
      await admin.deleteGroups([groupId]).catch(() => undefined);
      if (options.dropReadModels)
        await resetActiveGenerations(stores, PROJECTIONS, await detectTimescale(platform.pool));
    }
    return { groupId, partitions, droppedReadModels: options.dropReadModels };
  } finally {
    await admin.disconnect();
  }
}
