import type { Schema } from 'avsc';
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AVRO_SCHEMAS } from '../../schemas/avro-schemas.ts';
import { arbitraryFromAvro } from '../../schemas/avro-zod/arbitrary-from-avro.ts';
import {
  avroCanonicalForm,
  avroSchemasEquivalent,
  avroToZod,
  SchemaConversionError,
  zodToAvro,
} from '../../schemas/avro-zod/index.ts';
import { LOGICAL_TYPES } from '../../schemas/timestamp-millis.ts';

const RUNS = { numRuns: 200 };
const PROJECT_SCHEMAS = Object.entries(AVRO_SCHEMAS) as [string, Schema][];

function avroType(schema: Schema): avro.Type {
  return avro.Type.forSchema(schema, { logicalTypes: LOGICAL_TYPES });
}

function zodPaths(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  // zod may report several issues for one place (e.g. not a safe integer and too big).
  return result.success ? [] : [...new Set(result.error.issues.map((issue) => issue.path.join('.')))].sort();
}

function avroPaths(type: avro.Type, value: unknown): string[] {
  const paths: string[] = [];
  type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
  return paths.sort();
}

/** Decoded records are instances of avsc-generated classes; vitest's toEqual compares classes too. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object' || value instanceof Date || Buffer.isBuffer(value))
    return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
}

function roundTrip(type: avro.Type, value: unknown): unknown {
  return plain(type.fromBuffer(type.toBuffer(value)));
}

function recordFields(schema: Schema): { name: string; type: unknown }[] {
  return (schema as { fields: { name: string; type: unknown }[] }).fields;
}

// Values no Avro type accepts for more than one kind, so each breaks most fields one way or another.
const BAD_VALUES: readonly unknown[] = [
  'abc',
  42,
  1.5,
  2 ** 31,
  2 ** 60,
  true,
  null,
  {},
  [],
  undefined,
  'not_a_symbol',
];

describe.each(PROJECT_SCHEMAS)('project schema %s', (_name, schema) => {
  const type = avroType(schema);
  const zodSchema = avroToZod(schema);

  it('accepts random valid values in zod and avsc, and they survive encode/decode', () => {
    fc.assert(
      fc.property(arbitraryFromAvro(schema), (value) => {
        expect(zodSchema.safeParse(value).success).toBe(true);
        expect(type.isValid(value)).toBe(true);
        expect(roundTrip(type, value)).toEqual(value);
        expect(zodSchema.parse(value)).toEqual(value);
      }),
      RUNS,
    );
  });

  it('gives back an equivalent schema from Avro -> zod -> Avro', () => {
    const { name, namespace } = schema as { name: string; namespace?: string };
    const back = zodToAvro(zodSchema, { name, ...(namespace === undefined ? {} : { namespace }) });
    expect(avroCanonicalForm(back)).toBe(avroCanonicalForm(schema));
    expect(avroType(back).fingerprint('sha256').equals(type.fingerprint('sha256'))).toBe(true);
  });

  it('rejects a value with one broken field in zod and avsc, naming the same path', () => {
    const fields = recordFields(schema);
    fc.assert(
      fc.property(
        arbitraryFromAvro(schema),
        fc.constantFrom(...fields.map((f) => f.name)),
        fc.constantFrom(...BAD_VALUES),
        (valid, field, bad) => {
          const broken = { ...(valid as Record<string, unknown>), [field]: bad };
          if (bad === undefined) delete broken[field];
          const expected = avroPaths(type, broken);
          // Only what avsc rejects is compared: zod is stricter on uuid and timestamp fields by design.
          fc.pre(expected.length > 0);
          expect(expected.every((path) => path === field || path.startsWith(`${field}.`))).toBe(true);
          expect(zodPaths(zodSchema, broken)).toEqual(expected);
        },
      ),
      RUNS,
    );
  });
});

describe('avroToZod examples', () => {
  const reading = avroToZod(AVRO_SCHEMAS.SensorReading);
  const valid = {
    eventId: '0b6d1f8e-3a0c-4d55-9a7e-6f1d2c3b4a59',
    occurredAt: new Date('2024-01-01T00:00:00Z'),
    source: 'demo-feed',
    buildingId: 'Office_Ellie',
    meterId: 'm-1',
    meterKind: 'electricity',
    value: 12.5,
    unit: 'kWh',
  };

  it('rejects a string value naming `value`', () => {
    const result = reading.safeParse({ ...valid, value: 'abc' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toEqual([['value']]);
    expect(avroPaths(avroType(AVRO_SCHEMAS.SensorReading), { ...valid, value: 'abc' })).toEqual(['value']);
  });

  it('describes fields with their Avro doc and the record with its doc', () => {
    const json = z.toJSONSchema(reading, { unrepresentable: 'any' }) as {
      description?: string;
      properties: Record<string, { description?: string }>;
    };
    expect(json.description).toMatch(/^One numeric reading/);
    expect(json.properties.unit?.description).toBe('Unit of value.');
  });

  it('is stricter than avsc on uuid and timestamp-millis, by design', () => {
    const type = avroType(AVRO_SCHEMAS.SensorReading);
    const notUuid = { ...valid, eventId: 'abc' };
    const millis = { ...valid, occurredAt: 1_700_000_000_000 };
    expect([type.isValid(notUuid), reading.safeParse(notUuid).success]).toEqual([true, false]);
    expect([type.isValid(millis), reading.safeParse(millis).success]).toEqual([true, false]);
  });

  it('fills in field defaults for missing fields, as avsc encodes them', () => {
    const building = avroToZod(AVRO_SCHEMAS.BuildingRegistered);
    const type = avroType(AVRO_SCHEMAS.BuildingRegistered);
    const value = {
      eventId: '0b6d1f8e-3a0c-4d55-9a7e-6f1d2c3b4a59',
      occurredAt: new Date(0),
      source: 's',
      buildingId: 'b',
      primaryUse: 'Office',
      timezone: 'UTC',
    };
    expect(type.isValid(value)).toBe(true);
    const parsed = building.parse(value);
    expect(parsed).toEqual(roundTrip(type, value));
    expect(parsed).toMatchObject({ siteId: null, floorAreaM2: null, yearBuilt: null });
  });

  it('accepts undeclared keys like avsc unless noUndeclaredFields', () => {
    const type = avroType(AVRO_SCHEMAS.SensorReading);
    const extra = { ...valid, extra: 1 };
    expect(reading.parse(extra)).toEqual(reading.parse(valid));
    expect(type.isValid(extra)).toBe(true);
    const strict = avroToZod(AVRO_SCHEMAS.SensorReading, { noUndeclaredFields: true });
    expect(zodPaths(strict, extra)).toEqual(['']);
    expect(type.isValid(extra, { noUndeclaredFields: true })).toBe(false);
  });

  it('converts the other Avro types and named references', () => {
    const schema: Schema = {
      type: 'record',
      name: 'All',
      namespace: 'test',
      fields: [
        { name: 'b', type: 'boolean' },
        { name: 'i', type: 'int' },
        { name: 'l', type: 'long' },
        { name: 'f', type: 'float' },
        { name: 'by', type: 'bytes' },
        { name: 'fx', type: { type: 'fixed', name: 'Hash', size: 4 } },
        { name: 'fx2', type: 'test.Hash' },
        { name: 'd', type: { type: 'int', logicalType: 'date' } },
        { name: 'm', type: { type: 'map', values: { type: 'array', items: 'string' } } },
        { name: 'u', type: ['null', 'string', 'int'] },
        { name: 'n', type: ['string', 'null'], default: 'x' },
        {
          name: 'inner',
          type: {
            type: 'record',
            name: 'Inner',
            namespace: 'other',
            fields: [{ name: 'x', type: 'double' }],
          },
        },
        { name: 'inner2', type: 'other.Inner' },
      ],
    };
    const type = avroType(schema);
    const zodSchema = avroToZod(schema);
    fc.assert(
      fc.property(arbitraryFromAvro(schema), (value) => {
        expect(zodSchema.safeParse(value).success).toBe(true);
        expect(type.isValid(value)).toBe(true);
        expect(roundTrip(type, value)).toEqual(value);
      }),
      RUNS,
    );
    const back = zodToAvro(zodSchema, { name: 'All', namespace: 'test' });
    expect(avroSchemasEquivalent(back, schema)).toBe(true);
    expect(
      zodPaths(zodSchema, { ...(fc.sample(arbitraryFromAvro(schema), 1)[0] as object), i: 2 ** 31 }),
    ).toEqual(['i']);
  });

  it('throws the typed error for wrapped unions and recursive types', () => {
    const ambiguous: Schema = { type: 'record', name: 'A', fields: [{ name: 'x', type: ['int', 'long'] }] };
    expect(() => avroToZod(ambiguous)).toThrow(SchemaConversionError);
    expect(() => avroToZod(ambiguous)).toThrow(/^x: ambiguous union/);
    const recursive: Schema = {
      type: 'record',
      name: 'Node',
      fields: [{ name: 'next', type: ['null', 'Node'] }],
    };
    expect(() => avroToZod(recursive)).toThrow(/^next: recursive type Node/);
  });
});

const Address = z.object({ street: z.string(), city: z.string().describe('City name.') });
const HAND_WRITTEN: [string, z.ZodObject, fc.Arbitrary<unknown> | undefined][] = [
  [
    'nested object, array, record and enum',
    z.object({
      id: z.uuid(),
      at: z.date(),
      kind: z.enum(['a', 'b', 'c']),
      count: z.int32(),
      total: z.int(),
      ratio: z.number(),
      home: Address,
      work: Address.nullable(),
      tags: z.array(z.string()),
      scores: z.record(z.string(), z.number()),
      items: z.array(z.object({ sku: z.string(), qty: z.int32() })),
    }),
    // Nothing in this schema is narrower than its Avro type, so Avro values are zod values.
    undefined,
  ],
  [
    'nullable and optional fields',
    z.object({
      note: z.string().nullable(),
      maybe: z.boolean().optional(),
      when: z.date().nullable().default(null),
      level: z.enum(['low', 'high']).default('low'),
    }),
    fc.record(
      {
        note: fc.option(fc.string()),
        maybe: fc.boolean(),
        when: fc.option(fc.date({ noInvalidDate: true, min: new Date(0) })),
        level: fc.constantFrom('low', 'high'),
      },
      { requiredKeys: ['note'], noNullPrototype: true },
    ),
  ],
];

describe.each(HAND_WRITTEN)('zod -> Avro -> zod: %s', (_name, schema, zodValues) => {
  const avroSchema = zodToAvro(schema, { name: 'Example', namespace: 'test' });
  const type = avroType(avroSchema);
  const back = avroToZod(avroSchema);

  it('keeps zod-valid values valid in Avro, and they survive encode/decode', () => {
    fc.assert(
      fc.property(zodValues ?? arbitraryFromAvro(avroSchema), (value) => {
        const parsed = schema.parse(value) as Record<string, unknown>;
        expect(type.isValid(parsed)).toBe(true);
        // A missing optional field is written as its Avro default, null.
        const decoded = Object.fromEntries(
          Object.keys(schema.shape).map((key) => [key, parsed[key] ?? null]),
        );
        expect(roundTrip(type, parsed)).toEqual(decoded);
        expect(back.parse(parsed)).toEqual(decoded);
      }),
      RUNS,
    );
  });

  it('gives back the same Avro schema from zod -> Avro -> zod -> Avro', () => {
    expect(zodToAvro(back, { name: 'Example', namespace: 'test' })).toEqual(avroSchema);
  });
});

describe('zodToAvro examples', () => {
  it('derives the exact Avro JSON of a small object', () => {
    const schema = z
      .object({
        id: z.uuid().describe('Id.'),
        at: z.date(),
        level: z.enum(['low', 'high']),
        count: z.number().int().min(0).max(10),
        big: z.int(),
        ratio: z.number(),
        note: z.string().optional(),
        tags: z.array(z.string()),
        attrs: z.record(z.string(), z.boolean()),
        place: z.object({ name: z.string() }).nullable(),
      })
      .describe('A small thing.');
    expect(zodToAvro(schema, { name: 'Thing', namespace: 'test.v1' })).toEqual({
      type: 'record',
      name: 'Thing',
      namespace: 'test.v1',
      doc: 'A small thing.',
      fields: [
        { name: 'id', type: { type: 'string', logicalType: 'uuid' }, doc: 'Id.' },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'level', type: { type: 'enum', name: 'Level', symbols: ['low', 'high'] } },
        { name: 'count', type: 'int' },
        { name: 'big', type: 'long' },
        { name: 'ratio', type: 'double' },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'tags', type: { type: 'array', items: 'string' } },
        { name: 'attrs', type: { type: 'map', values: 'boolean' } },
        {
          name: 'place',
          type: ['null', { type: 'record', name: 'Place', fields: [{ name: 'name', type: 'string' }] }],
          default: null,
        },
      ],
    });
  });

  it('gives back the project schemas exactly, docs and defaults included', () => {
    for (const [, schema] of PROJECT_SCHEMAS) {
      const { name, namespace } = schema as { name: string; namespace: string };
      expect(zodToAvro(avroToZod(schema), { name, namespace })).toEqual(schema);
    }
  });

  it('reuses a named type by reference', () => {
    const avroSchema = zodToAvro(z.object({ a: Address, b: Address }), { name: 'Two' });
    expect(recordFields(avroSchema).map((f) => f.type)).toEqual([
      {
        type: 'record',
        name: 'A',
        fields: [
          { name: 'street', type: 'string' },
          { name: 'city', type: 'string', doc: 'City name.' },
        ],
      },
      'A',
    ]);
  });

  it('rejects zod-invalid nested values in zod and avsc with the same path', () => {
    const schema = HAND_WRITTEN[0]?.[1] ?? z.object({});
    const type = avroType(zodToAvro(schema, { name: 'Example' }));
    const value = fc.sample(arbitraryFromAvro(zodToAvro(schema, { name: 'Example' })), {
      numRuns: 1,
      seed: 1,
    })[0] as Record<string, unknown>;
    const broken = { ...value, home: { street: 'x', city: 7 }, tags: ['a', 3] };
    expect(zodPaths(schema, broken)).toEqual(['home.city', 'tags.1']);
    expect(avroPaths(type, broken)).toEqual(['home.city', 'tags.1']);
  });

  it.each([
    ['a transform', z.object({ a: z.string().transform((s) => s.length) }), 'a'],
    ['a tuple', z.object({ a: z.object({ b: z.tuple([z.string()]) }) }), 'a.b'],
    ['a bigint in an array', z.object({ list: z.array(z.bigint()) }), 'list.[]'],
    ['an ambiguous union', z.object({ u: z.union([z.string(), z.enum(['x'])]) }), 'u'],
    ['an optional array item', z.object({ list: z.array(z.string().optional()) }), 'list.[]'],
    ['a number-keyed record', z.object({ m: z.record(z.enum(['a']), z.string()) }), 'm'],
    ['an invalid field name', z.object({ 'bad-name': z.string() }), 'bad-name'],
  ])('throws SchemaConversionError naming the path for %s', (_what, schema, path) => {
    let error: unknown;
    try {
      zodToAvro(schema, { name: 'Bad' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SchemaConversionError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', kind: 'permanent', path: path.split('.') });
    expect((error as Error).message.startsWith(`${path}: `)).toBe(true);
  });
});
