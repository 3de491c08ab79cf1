import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { EaioError } from '../infra/errors/index.ts';
import { AVRO_SCHEMAS } from './avro-schemas.ts';
import { SchemaDecodeError, UnexpectedEventTypeError } from './decode-errors.ts';
import type { EventTypeName, EventTypes } from './event-types.ts';
import { TimestampMillisType } from './timestamp-millis.ts';
import { TOPICS, type TopicKey, type TopicNames } from './topic-catalog.ts';

const MAGIC_BYTE = 0;
const FRAME_HEADER_BYTES = 5;

/** An event decoded from the Confluent wire format, with the writer schema it came with. */
export interface DecodedEvent<T extends EventTypeName = EventTypeName> {
  readonly type: T;
  readonly schemaId: number;
  readonly value: EventTypes[T];
}

/** Encodes and decodes catalog events in the Confluent wire format against a schema registry. */
export interface EventCodec {
  /** Registers every catalog subject (topic-name strategy) and caches the ids. Idempotent. */
  registerAll(): Promise<ReadonlyMap<string, number>>;
  encode<K extends TopicKey>(topic: K, value: EventTypes[(typeof TOPICS)[K]['valueType']]): Promise<Buffer>;
  /** Decodes bytes and checks they carry the topic's event type; throws {@link SchemaDecodeError}. */
  decode<K extends TopicKey>(
    topic: K,
    bytes: Buffer | null,
  ): Promise<DecodedEvent<(typeof TOPICS)[K]['valueType']>>;
}

export interface EventCodecOptions {
  readonly registryUrl: string;
  readonly names: TopicNames;
}

// The library does not export its error classes, so they are recognised by shape.
function isValidationError(error: unknown): error is Error & { paths: string[][] } {
  return error instanceof Error && Array.isArray((error as { paths?: unknown }).paths);
}

function isResponseError(error: unknown): error is Error & { status: number } {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

/** Subject of a topic's value schema under the topic-name strategy. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

export function createEventCodec({ registryUrl, names }: EventCodecOptions): EventCodec {
  const registry = new SchemaRegistry(
    { host: registryUrl, clientId: 'eaio' },
    { [SchemaType.AVRO]: { logicalTypes: { 'timestamp-millis': TimestampMillisType } } },
  );
  const ids = new Map<TopicKey, number>();

  async function registerAll(): Promise<ReadonlyMap<string, number>> {
    const bySubject = new Map<string, number>();
    for (const key of Object.keys(TOPICS) as TopicKey[]) {
      const spec = TOPICS[key];
      const subject = valueSubject(names.topic(key));
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(AVRO_SCHEMAS[spec.valueType]) },
        {
          subject,
          // Compacted topics are read from any point in their history, so old and new readers must agree both ways.
          compatibility: spec.cleanupPolicy === 'compact' ? COMPATIBILITY.FULL : COMPATIBILITY.BACKWARD,
        },
      );
      ids.set(key, id);
      bySubject.set(subject, id);
    }
    return bySubject;
  }

  async function schemaIdOf(topic: TopicKey): Promise<number> {
    const cached = ids.get(topic);
    if (cached !== undefined) return cached;
    const id = await registry.getLatestSchemaId(valueSubject(names.topic(topic)));
    ids.set(topic, id);
    return id;
  }

  return {
    registerAll,

    async encode(topic, value) {
      const id = await schemaIdOf(topic);
      try {
        return await registry.encode(id, value);
      } catch (error) {
        if (isValidationError(error)) {
          throw new EaioError(
            'EVENT_INVALID',
            'poison',
            `Value does not match ${TOPICS[topic].valueType}: invalid ${error.paths.map((p) => p.join('.')).join(', ')}`,
            { cause: error, context: { paths: error.paths } },
          );
        }
        throw error;
      }
    },

    async decode(topic, bytes) {
      if (bytes === null || bytes.length < FRAME_HEADER_BYTES) {
        throw new SchemaDecodeError(
          'SCHEMA_FRAMING',
          'framing',
          `Message of ${bytes?.length ?? 0} bytes is shorter than the 5-byte Confluent frame`,
        );
      }
      if (bytes[0] !== MAGIC_BYTE) {
        throw new SchemaDecodeError(
          'SCHEMA_FRAMING',
          'framing',
          `Message starts with byte 0x${bytes[0]?.toString(16).padStart(2, '0')}, not the Confluent magic byte 0x00`,
        );
      }
      const schemaId = bytes.readInt32BE(1);
      let schema: avro.Type;
      try {
        schema = (await registry.getSchema(schemaId)) as avro.Type;
      } catch (error) {
        if (isResponseError(error) && error.status === 404) {
          throw new SchemaDecodeError(
            'SCHEMA_UNKNOWN_ID',
            'schema-lookup',
            `Schema id ${schemaId} is unknown to the registry`,
            {
              schemaId,
              cause: error,
            },
          );
        }
        throw new SchemaDecodeError(
          'SCHEMA_REGISTRY_UNAVAILABLE',
          'schema-lookup',
          `Schema registry did not answer for schema id ${schemaId}`,
          { schemaId, cause: error },
        );
      }
      const expected = TOPICS[topic].valueType;
      const actual = schema.name?.split('.').pop() ?? String(schema.typeName);
      if (actual !== expected) throw new UnexpectedEventTypeError(expected, actual, schemaId);
      let value: unknown;
      try {
        value = await registry.decode(bytes);
      } catch (error) {
        throw new SchemaDecodeError(
          'SCHEMA_PAYLOAD',
          'payload',
          `Payload does not decode with schema ${schemaId} (${expected}): ${(error as Error).message}`,
          { schemaId, cause: error },
        );
      }
      return { type: expected, schemaId, value } as DecodedEvent<typeof expected>;
    },
  };
}
