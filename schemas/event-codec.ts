import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { EaioError } from '../infra/errors/index.ts';
import type { DependencyBreaker } from '../infra/resilience/index.ts';
import { AVRO_SCHEMAS } from './avro-schemas.ts';
import { SchemaDecodeError, UnexpectedEventTypeError } from './decode-errors.ts';
import type { EventTypeName, EventTypes } from './event-types.ts';
import { createRegistryClient, valueSubject } from './registry-client.ts';
import { LOGICAL_TYPES } from './timestamp-millis.ts';
import { TOPICS, type TopicKey, type TopicNames } from './topic-catalog.ts';

const MAGIC_BYTE = 0;
const FRAME_HEADER_BYTES = 5;

/** The event type a catalogue topic carries. */
export type TopicValue<K extends TopicKey> = EventTypes[(typeof TOPICS)[K]['valueType']];

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
  encode<K extends TopicKey>(topic: K, value: TopicValue<K>): Promise<Buffer>;
  /**
   * A synchronous `encode` for many values of one topic (a processor's batch of outputs): the schema
   * is looked up once, not awaited per value.
   */
  encoder<K extends TopicKey>(topic: K): Promise<(value: TopicValue<K>) => Buffer>;
  /**
   * Decodes bytes written with any registered version of the topic's schema into this code's
   * version (Avro schema resolution: added fields get their defaults, removed ones are skipped).
   * Throws {@link SchemaDecodeError} or {@link UnexpectedEventTypeError}.
   */
  decode<K extends TopicKey>(
    topic: K,
    bytes: Buffer | null,
  ): Promise<DecodedEvent<(typeof TOPICS)[K]['valueType']>>;
}

export interface EventCodecOptions {
  readonly registryUrl: string;
  readonly names: TopicNames;
  /**
   * The registry's circuit breaker: schema lookups that miss the codec's caches go through it, so a
   * registry that is down fails them at once instead of each waiting for its own timeout.
   */
  readonly breaker?: DependencyBreaker;
}

// The library does not export its error classes, so they are recognised by shape.
function isResponseError(error: unknown): error is Error & { status: number } {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

export function createEventCodec({ registryUrl, names, breaker }: EventCodecOptions): EventCodec {
  const registry = createRegistryClient(registryUrl);
  const lookup = <T>(call: () => Promise<T>): Promise<T> =>
    breaker === undefined ? call() : breaker.execute(call);
  const ids = new Map<TopicKey, number>();
  // Writer schemas by id, kept here so a cached one never waits on (or is refused by) the breaker.
  const writers = new Map<number, avro.Type>();
  const readers = new Map<EventTypeName, avro.Type>();
  // A resolver per (reader type, writer schema id): building one walks both schemas, so it is done once.
  const resolvers = new Map<string, ReturnType<avro.Type['createResolver']>>();

  const readerOf = (type: EventTypeName): avro.Type => {
    let reader = readers.get(type);
    if (reader === undefined) {
      reader = avro.Type.forSchema(AVRO_SCHEMAS[type], { logicalTypes: LOGICAL_TYPES });
      readers.set(type, reader);
    }
    return reader;
  };

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

  // Promises, not values: a burst of events naming an id not yet seen (a new topic, a new writer
  // version) waits on one registry request instead of sending one each.
  const pendingIds = new Map<TopicKey, Promise<number>>();
  const pendingWriters = new Map<number, Promise<avro.Type>>();

  function schemaIdOf(topic: TopicKey): Promise<number> | number {
    const cached = ids.get(topic);
    if (cached !== undefined) return cached;
    let pending = pendingIds.get(topic);
    if (pending === undefined) {
      pending = lookup(() => registry.getLatestSchemaId(valueSubject(names.topic(topic)))).then((id) => {
        ids.set(topic, id);
        return id;
      });
      pendingIds.set(topic, pending);
      // A failed lookup is not cached: the next event asks again.
      pending.catch(() => undefined).finally(() => pendingIds.delete(topic));
    }
    return pending;
  }

  function writerOf(schemaId: number): Promise<avro.Type> | avro.Type {
    const cached = writers.get(schemaId);
    if (cached !== undefined) return cached;
    let pending = pendingWriters.get(schemaId);
    if (pending === undefined) {
      pending = fetchWriter(schemaId).then((writer) => {
        writers.set(schemaId, writer);
        return writer;
      });
      pendingWriters.set(schemaId, pending);
      pending.catch(() => undefined).finally(() => pendingWriters.delete(schemaId));
    }
    return pending;
  }

  async function fetchWriter(schemaId: number): Promise<avro.Type> {
    try {
      return (await lookup(() => registry.getSchema(schemaId))) as avro.Type;
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
  }

  /**
   * The Confluent frame around `value` in the schema `id` names, in one buffer: the registry
   * library's `encode` serialises into one buffer and then concatenates a second, per event.
   */
  function frame<K extends TopicKey>(topic: K, id: number, writer: avro.Type, value: TopicValue<K>): Buffer {
    let body: Buffer;
    try {
      body = writer.toBuffer(value);
    } catch (error) {
      const paths: string[][] = [];
      writer.isValid(value, { errorHook: (path) => paths.push(path) });
      throw new EaioError(
        'EVENT_INVALID',
        'poison',
        `Value does not match ${TOPICS[topic].valueType}: invalid ${paths.map((p) => p.join('.')).join(', ')}`,
        { cause: error, context: { paths } },
      );
    }
    const bytes = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
    bytes[0] = MAGIC_BYTE;
    bytes.writeInt32BE(id, 1);
    body.copy(bytes, FRAME_HEADER_BYTES);
    return bytes;
  }

  return {
    registerAll,

    async encode(topic, value) {
      const id = await schemaIdOf(topic);
      return frame(topic, id, await writerOf(id), value);
    },

    async encoder(topic) {
      const id = await schemaIdOf(topic);
      const writer = await writerOf(id);
      return (value) => frame(topic, id, writer, value);
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
      const writer = await writerOf(schemaId);
      const expected = TOPICS[topic].valueType;
      const actual = writer.name?.split('.').pop() ?? String(writer.typeName);
      if (actual !== expected) throw new UnexpectedEventTypeError(expected, actual, schemaId);
      const reader = readerOf(expected);
      const resolverKey = `${expected}:${schemaId}`;
      let resolver = resolvers.get(resolverKey);
      if (resolver === undefined) {
        try {
          resolver = reader.createResolver(writer);
        } catch (error) {
          throw new SchemaDecodeError(
            'SCHEMA_INCOMPATIBLE',
            'resolve',
            `Data written with schema ${schemaId} cannot be read as this version of ${expected}: ${(error as Error).message}`,
            { schemaId, cause: error },
          );
        }
        resolvers.set(resolverKey, resolver);
      }
      let value: unknown;
      try {
        value = reader.fromBuffer(bytes.subarray(FRAME_HEADER_BYTES), resolver);
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
