import type { Admin } from 'kafkajs';
import { EaioError } from '../infra/errors/index.ts';
import { waitForTopics } from '../infra/kafka/index.ts';
import { TOPICS, type TopicKey, type TopicNames } from './topic-catalog.ts';

export interface EnsuredTopics {
  readonly created: readonly string[];
  readonly existing: readonly string[];
  /** Replication factor and `min.insync.replicas` the created topics got (see {@link replicationFor}). */
  readonly replication: TopicReplication;
}

/** How a new topic is replicated on a cluster of a given size. */
export interface TopicReplication {
  readonly replicationFactor: number;
  /** Set on the topic only when the cluster has three brokers or more; otherwise the broker's default. */
  readonly minInsyncReplicas?: number;
}

/**
 * Three copies of every topic once the cluster has three brokers, and a write acknowledged (acks=all)
 * only when two of them have it: one broker may die without losing an acknowledged event or
 * stopping writes. On fewer brokers, one copy per broker and the broker's own minimum.
 */
export function replicationFor(brokers: number): TopicReplication {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return brokers >= 3 ? { replicationFactor, minInsyncReplicas: 2 } : { replicationFactor };
}

/**
 * Creates every catalog topic and dead-letter topic that is missing (idempotent), replicated as
 * {@link replicationFor} says for the brokers the cluster describes, and refuses to go
 * on when an existing topic disagrees with the catalog: a compacted registry topic created as
 * `delete`, or fewer partitions than planned, would silently break ordering or retention.
 */
export async function ensureTopics(admin: Admin, names: TopicNames): Promise<EnsuredTopics> {
  const wanted = (Object.keys(TOPICS) as TopicKey[]).flatMap((key) => {
    const spec = TOPICS[key];
    return [
      {
        topic: names.topic(key),
        partitions: spec.partitions,
        cleanupPolicy: spec.cleanupPolicy,
        retentionMs: spec.retentionMs,
      },
      // Dead letters are kept until someone deals with them; one partition keeps their order readable.
      { topic: names.deadLetter(key), partitions: 1, cleanupPolicy: 'delete', retentionMs: -1 },
    ];
  });
  const present = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !present.has(t.topic));
  const replication = replicationFor((await admin.describeCluster()).brokers.length);
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: replication.replicationFactor,
        configEntries: [
          { name: 'cleanup.policy', value: t.cleanupPolicy },
          { name: 'retention.ms', value: String(t.retentionMs) },
          ...(replication.minInsyncReplicas === undefined
            ? []
            : [{ name: 'min.insync.replicas', value: String(replication.minInsyncReplicas) }]),
        ],
      })),
    });
    await waitForTopics(
      admin,
      missing.map((t) => ({ topic: t.topic, partitions: t.partitions })),
    );
  }
  const existing = wanted.filter((t) => present.has(t.topic));
  if (existing.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: existing.map((t) => t.topic) });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: existing.map((t) => ({
        type: 2 /* TOPIC */,
        name: t.topic,
        configNames: ['cleanup.policy'],
      })),
    });
    const problems: string[] = [];
    for (const t of existing) {
      const partitions = metadata.topics.find((m) => m.name === t.topic)?.partitions.length ?? 0;
      if (partitions < t.partitions) {
        problems.push(`${t.topic} has ${partitions} partitions, the catalog plans ${t.partitions}`);
      }
      const policy = configs.resources
        .find((r) => r.resourceName === t.topic)
        ?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
      if (policy !== undefined && policy !== t.cleanupPolicy) {
        problems.push(`${t.topic} has cleanup.policy=${policy}, the catalog says ${t.cleanupPolicy}`);
      }
    }
    if (problems.length > 0) {
      throw new EaioError(
        'STACK_START_FAILED',
        'permanent',
        `Existing topics disagree with the topic catalog:\n  ${problems.join('\n  ')}\nFix the topics (kafka-configs / kafka-topics) or the catalog before starting.`,
        { context: { problems } },
      );
    }
  }
  return { created: missing.map((t) => t.topic), existing: existing.map((t) => t.topic), replication };
}
