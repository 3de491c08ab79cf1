import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TimestampMillisType } from './timestamp-millis.ts';

/**
 * The one way the product reaches a schema registry: `@kafkajs/confluent-schema-registry` and a
 * URL, so Confluent, Apicurio (ccompat), Redpanda or Karapace all work. Schemas it returns are
 * parsed with the project's logical types.
 */
export function createRegistryClient(registryUrl: string): SchemaRegistry {
  return new SchemaRegistry(
    { host: registryUrl, clientId: 'eaio' },
    { [SchemaType.AVRO]: { logicalTypes: { 'timestamp-millis': TimestampMillisType } } },
  );
}

/** Subject of a topic's value schema under the topic-name strategy. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
