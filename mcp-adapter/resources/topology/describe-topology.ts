import { PROCESSORS } from '../../../processors/index.ts';
import { PROJECTIONS } from '../../../projections/index.ts';
import { TOPICS, type TopicKey, type TopicNames } from '../../../schemas/index.ts';

/** A topic as the topology shows it: its catalogue entry, with its full name in this deployment. */
export interface TopologyTopic {
  /** The name the code uses for it (`sensorReadings`). */
  readonly key: TopicKey;
  /** The topic's name in this deployment, prefix included. */
  readonly topic: string;
  readonly valueType: string;
  /** What the message key is, and so what order the topic keeps. */
  readonly messageKey: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** Milliseconds, or null when the topic keeps every event (retention -1). */
  readonly retentionMs: number | null;
  readonly deadLetterTopic: string;
  readonly doc: string;
}

/** A processor: the topics it reads (streams and whole tables) and the topic it writes. */
export interface TopologyProcessor {
  readonly name: string;
  readonly inputs: readonly TopicKey[];
  /** Compacted topics every instance reads entirely (the control points). */
  readonly tables: readonly TopicKey[];
  readonly output: TopicKey;
}

/** A projection: the topics it folds and the store it folds them into. */
export interface TopologyProjection {
  readonly name: string;
  readonly description: string;
  readonly store: 'postgres' | 'redis';
  readonly folds: readonly TopicKey[];
}

/** The platform's data path as the catalogues in code declare it (`eaio://topology`). */
export interface Topology {
  readonly topicPrefix: string;
  readonly topics: readonly TopologyTopic[];
  readonly processors: readonly TopologyProcessor[];
  readonly projections: readonly TopologyProjection[];
}

/**
 * The topology from the topic, processor and projection catalogues: what exists by design, read
 * without a round trip to Kafka (lag and generations are `get_pipeline_status`'s).
 */
export function describeTopology(names: TopicNames): Topology {
  const topics = (Object.keys(TOPICS) as TopicKey[]).map((key): TopologyTopic => {
    const spec = TOPICS[key];
    return {
      key,
      topic: names.topic(key),
      valueType: spec.valueType,
      messageKey: spec.key,
      partitions: spec.partitions,
      cleanupPolicy: spec.cleanupPolicy,
      retentionMs: spec.retentionMs < 0 ? null : spec.retentionMs,
      deadLetterTopic: names.deadLetter(key),
      doc: spec.doc,
    };
  });
  const processors = Object.values(PROCESSORS).map(
    (p): TopologyProcessor => ({
      name: p.name,
      inputs: 'inputs' in p ? [...p.inputs] : [p.input],
      tables: 'tables' in p && p.tables !== undefined ? [...p.tables] : [],
      output: p.output,
    }),
  );
  const projections = PROJECTIONS.map(
    (p): TopologyProjection => ({
      name: p.name,
      description: p.description,
      store: p.store,
      folds: [...(p.handles as readonly TopicKey[])],
    }),
  );
  return { topicPrefix: names.prefix, topics, processors, projections };
}
