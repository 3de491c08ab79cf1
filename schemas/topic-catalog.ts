import type { EventTypeName } from './event-types.ts';

/** One entry of the topic catalog: everything the platform needs to know about a topic. */
export interface TopicSpec {
  /** Name without the deployment's topic prefix. */
  readonly name: string;
  /** Avro record carried as the value. */
  readonly valueType: EventTypeName;
  /** What the message key is, and so what order the topic keeps. */
  readonly key: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly retentionMs: number;
  /** Dead-letter topic (unprefixed) for events of this topic that cannot be handled. */
  readonly deadLetterTopic: string;
}

const FOREVER = -1;

export const TOPICS = {
  sensorReadings: {
    name: 'sensor-readings',
    valueType: 'SensorReading',
    key: 'meterId: readings of one meter keep their order',
    partitions: 6,
    cleanupPolicy: 'delete',
    retentionMs: FOREVER,
    deadLetterTopic: 'sensor-readings.dlq',
  },
  buildings: {
    name: 'buildings',
    valueType: 'BuildingRegistered',
    key: 'buildingId: the latest event per building is its description',
    partitions: 3,
    cleanupPolicy: 'compact',
    retentionMs: FOREVER,
    deadLetterTopic: 'buildings.dlq',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof TOPICS;

/** Resolves catalog names against a deployment's topic prefix. */
export interface TopicNames {
  readonly prefix: string;
  /** Full topic name of a catalog entry. */
  topic(key: TopicKey): string;
  /** Full name of a catalog entry's dead-letter topic. */
  deadLetter(key: TopicKey): string;
  /** Catalog key of a full topic name, or undefined for a topic outside the catalog. */
  keyOf(topic: string): TopicKey | undefined;
}

export function topicNames(prefix: string): TopicNames {
  const keys = Object.keys(TOPICS) as TopicKey[];
  return {
    prefix,
    topic: (key) => `${prefix}${TOPICS[key].name}`,
    deadLetter: (key) => `${prefix}${TOPICS[key].deadLetterTopic}`,
    keyOf: (topic) => keys.find((key) => `${prefix}${TOPICS[key].name}` === topic),
  };
}
