import { randomUUID } from 'node:crypto';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSchemaChecks } from '../../app/commands/schemas-command.ts';
import {
  AVRO_SCHEMAS,
  checkSchemasAgainstRegistry,
  createRegistryClient,
  LOGICAL_TYPES,
  SchemaDecodeError,
  type SensorReading,
  UnexpectedEventTypeError,
  valueSubject,
} from '../../schemas/index.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

type AvroRecord = avro.schema.RecordType;
type AvroField = AvroRecord['fields'][number];

const clone = (schema: unknown): AvroRecord => structuredClone(schema) as AvroRecord;

function withField(schema: unknown, field: AvroField): AvroRecord {
  const next = clone(schema);
  next.fields.push(field);
  return next;
}

function withoutField(schema: unknown, name: string): AvroRecord {
  const next = clone(schema);
  next.fields = next.fields.filter((f) => f.name !== name);
  return next;
}

function retyped(schema: unknown, name: string, type: avro.Schema): AvroRecord {
  const next = clone(schema);
  next.fields = next.fields.map((f) => (f.name === name ? { ...f, type } : f));
  return next;
}

const reading = (): SensorReading => ({
  eventId: randomUUID(),
  occurredAt: new Date(Date.UTC(2015, 5, 1, 12)),
  source: 'test',
  buildingId: 'Office_Cristina',
  meterId: 'Office_Cristina:electricity',
  meterKind: 'electricity',
  value: 42.5,
  unit: 'kWh',
  qualityFlags: [],
  traceContext: null,
});

describe('schema evolution against the real registry', () => {
  let platform: TestPlatform;
  const registry = () => createRegistryClient(platform.childEnv.EAIO_REGISTRY_URL ?? '');
  const readingsSubject = () => valueSubject(platform.names.topic('sensorReadings'));
  const check = (schemas: Record<string, avro.Schema>) =>
    checkSchemasAgainstRegistry({
      registryUrl: platform.childEnv.EAIO_REGISTRY_URL ?? '',
      names: platform.names,
      schemas,
    });

  beforeAll(async () => {
    platform = await createTestPlatform('evolve');
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  it('registered every catalog subject, and `eaio schemas check` finds them unchanged', async () => {
    const checks = await check({});
    expect(checks.every((c) => c.status === 'unchanged')).toBe(true);
    const cli = spawnEaio(['schemas', 'check'], platform.childEnv);
    const code = await cli.exited();
    const out = cli.stdout();
    expect(code).toBe(0);
    expect(out).toContain(`${readingsSubject()}`);
    expect(out).toContain('can be registered');
  });

  it('v2 with an optional field reads v1 data, and v1 code reads v2 data', async () => {
    const v2Schema = withField(AVRO_SCHEMAS.SensorReading, {
      name: 'calibrationFactor',
      type: 'double',
      default: 1,
      doc: 'Multiplier applied by the gateway; 1 when not calibrated.',
    });
    const [verdict] = (await check({ SensorReading: v2Schema })).filter(
      (c) => c.subject === readingsSubject(),
    );
    expect(verdict?.status).toBe('compatible');

    const client = registry();
    const { id: v2Id } = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v2Schema) },
      { subject: readingsSubject(), compatibility: COMPATIBILITY.BACKWARD },
    );
    const v1Id = (
      await platform.codec.decode('sensorReadings', await platform.codec.encode('sensorReadings', reading()))
    ).schemaId;
    expect(v2Id).not.toBe(v1Id);

    // v1 code (the codec's reader is the local .avsc) reads a v2 event: the new field is skipped.
    const v2Value = { ...reading(), calibrationFactor: 1.5 };
    const decodedByV1 = await platform.codec.decode('sensorReadings', await client.encode(v2Id, v2Value));
    expect(decodedByV1.schemaId).toBe(v2Id);
    const { calibrationFactor: _, ...asV1 } = v2Value;
    expect(decodedByV1.value).toEqual(asV1);
    expect('calibrationFactor' in decodedByV1.value).toBe(false);

    // v2 code reads a v1 event: the new field takes its default.
    const v1Value = reading();
    const v1Bytes = await platform.codec.encode('sensorReadings', v1Value);
    const v2Reader = avro.Type.forSchema(v2Schema as avro.Schema, { logicalTypes: LOGICAL_TYPES });
    const writer = (await client.getSchema(v1Id)) as avro.Type;
    expect(v2Reader.fromBuffer(v1Bytes.subarray(5), v2Reader.createResolver(writer))).toEqual({
      ...v1Value,
      calibrationFactor: 1,
    });
  });

  it('refuses a changed field type, naming the field, in both `schemas check` and the registry', async () => {
    const changed = retyped(AVRO_SCHEMAS.SensorReading, 'value', 'string');
    const [verdict] = (await check({ SensorReading: changed })).filter(
      (c) => c.subject === readingsSubject(),
    );
    expect(verdict?.status).toBe('incompatible');
    expect(verdict?.problems.map((p) => p.path)).toEqual(['value']);
    expect(verdict?.registrySays?.compatible).toBe(false);
    expect(formatSchemaChecks(verdict ? [verdict] : [])).toMatch(/value: .*changed type/);
    await expect(
      registry().register(
        { type: SchemaType.AVRO, schema: JSON.stringify(changed) },
        { subject: readingsSubject() },
      ),
    ).rejects.toThrow();
  });

  it('refuses a new field without a default (BACKWARD), naming it', async () => {
    const added = withField(AVRO_SCHEMAS.SensorReading, {
      name: 'gatewayId',
      type: 'string',
      doc: 'Gateway.',
    });
    const [verdict] = (await check({ SensorReading: added })).filter((c) => c.subject === readingsSubject());
    expect(verdict?.status).toBe('incompatible');
    expect(verdict?.problems.map((p) => p.path)).toEqual(['gatewayId']);
    await expect(
      registry().register(
        { type: SchemaType.AVRO, schema: JSON.stringify(added) },
        { subject: readingsSubject() },
      ),
    ).rejects.toThrow();
  });

  it('refuses removing a field without a default from a compacted (FULL) topic, naming it', async () => {
    const buildingsSubject = valueSubject(platform.names.topic('buildings'));
    const removed = withoutField(AVRO_SCHEMAS.BuildingRegistered, 'primaryUse');
    const [verdict] = (await check({ BuildingRegistered: removed })).filter(
      (c) => c.subject === buildingsSubject,
    );
    expect(verdict?.level).toBe('FULL');
    expect(verdict?.status).toBe('incompatible');
    expect(verdict?.problems.map((p) => p.path)).toEqual(['primaryUse']);
    expect(verdict?.problems[0]?.message).toContain('old readers cannot read new data');
    await expect(
      registry().register(
        { type: SchemaType.AVRO, schema: JSON.stringify(removed) },
        { subject: buildingsSubject },
      ),
    ).rejects.toThrow();
  });
});

describe('bad bytes get typed decode errors', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await createTestPlatform('badbytes');
  });

  afterAll(async () => {
    await platform?.dispose();
  });

  const decodeError = async (bytes: Buffer | null): Promise<unknown> =>
    platform.codec.decode('sensorReadings', bytes).then(
      () => {
        throw new Error('expected a decode error');
      },
      (error: unknown) => error,
    );

  it('wrong magic byte and short frames are framing errors', async () => {
    const wrongMagic = await decodeError(Buffer.from([1, 0, 0, 0, 1, 2, 3]));
    expect(wrongMagic).toBeInstanceOf(SchemaDecodeError);
    expect(wrongMagic).toMatchObject({ code: 'SCHEMA_FRAMING', phase: 'framing', kind: 'poison' });
    expect(await decodeError(Buffer.from([0, 0]))).toMatchObject({ code: 'SCHEMA_FRAMING' });
    expect(await decodeError(null)).toMatchObject({ code: 'SCHEMA_FRAMING' });
  });

  it('an unknown schema id is a schema-lookup error naming the id', async () => {
    const bytes = Buffer.from([0, 0x7f, 0xff, 0xff, 0x00, 2, 4]);
    const error = await decodeError(bytes);
    expect(error).toMatchObject({ code: 'SCHEMA_UNKNOWN_ID', phase: 'schema-lookup', schemaId: 0x7fffff00 });
  });

  it('a truncated payload is a payload error', async () => {
    const good = await platform.codec.encode('sensorReadings', reading());
    const error = await decodeError(good.subarray(0, good.length - 8));
    expect(error).toMatchObject({ code: 'SCHEMA_PAYLOAD', phase: 'payload' });
  });

  it('another event type on the topic is refused', async () => {
    const building = await platform.codec.encode('buildings', {
      eventId: randomUUID(),
      occurredAt: new Date(),
      source: 'test',
      buildingId: 'B',
      siteId: null,
      primaryUse: 'Office',
      floorAreaM2: null,
      timezone: 'UTC',
      yearBuilt: null,
      weatherStationId: null,
      traceContext: null,
    });
    expect(await decodeError(building)).toBeInstanceOf(UnexpectedEventTypeError);
  });

  it('a writer schema this code cannot resolve is a reader/writer mismatch', async () => {
    const incompatible = retyped(AVRO_SCHEMAS.SensorReading, 'value', 'string');
    const client = createRegistryClient(platform.childEnv.EAIO_REGISTRY_URL ?? '');
    const { id } = await client.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(incompatible) },
      { subject: `${platform.names.prefix}scratch-value`, compatibility: COMPATIBILITY.NONE },
    );
    const bytes = await client.encode(id, { ...reading(), value: 'forty-two' });
    expect(await decodeError(bytes)).toMatchObject({
      code: 'SCHEMA_INCOMPATIBLE',
      phase: 'resolve',
      schemaId: id,
    });
  });
});
