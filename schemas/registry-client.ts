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

/** The latest registered version of a subject, as the registry's REST API answers it. */
export interface RegisteredSubjectVersion {
  readonly subject: string;
  /** The schema's global id, the one the Confluent wire format frames events with. */
  readonly id: number;
  readonly version: number;
  /** The schema as registered (Avro JSON), parsed. */
  readonly schema: unknown;
}

/**
 * Reads what a registry holds, for people and agents (the codec reads through its own client and
 * caches). Uses the Confluent-compatible REST API directly: `@kafkajs/confluent-schema-registry`
 * answers a subject's latest id but not its version. Listing subjects is left out on purpose: a
 * registry serves many deployments and may cap the list (Apicurio answers at most 1000), so a
 * deployment's subjects come from its topic catalogue.
 */
export interface SchemaRegistryReader {
  /** The latest version of `subject`, or undefined when the registry has no such subject. */
  latest(subject: string): Promise<RegisteredSubjectVersion | undefined>;
}

/** A {@link SchemaRegistryReader} over the registry at `registryUrl`, each request bounded by `timeoutMs`. */
export function createRegistryReader(registryUrl: string, timeoutMs = 5_000): SchemaRegistryReader {
  const base = registryUrl.replace(/\/+$/, '');
  return {
    async latest(subject) {
      const response = await fetch(`${base}/subjects/${encodeURIComponent(subject)}/versions/latest`, {
        headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 404) return undefined;
      if (!response.ok) {
        const detail = (await response.text()).slice(0, 200);
        throw new Error(`Schema registry answered ${response.status} for subject ${subject}: ${detail}`);
      }
      const body = (await response.json()) as {
        subject: string;
        id: number;
        version: number;
        schema: string;
      };
      return { subject: body.subject, id: body.id, version: body.version, schema: JSON.parse(body.schema) };
    },
  };
}
