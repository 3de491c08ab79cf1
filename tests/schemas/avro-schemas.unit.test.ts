import avro, { type Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_NAMES, type EventTypeName } from '../../schemas/event-types.ts';
import { AVRO_SCHEMAS, LOGICAL_TYPES, METER_KINDS, READING_UNITS, TOPICS } from '../../schemas/index.ts';

interface AvroField {
  readonly name: string;
  readonly doc?: string;
  readonly type: unknown;
  readonly default?: unknown;
}

interface NamedType {
  readonly type: 'record' | 'enum' | 'fixed';
  readonly name: string;
  readonly doc?: string;
  readonly fields?: readonly AvroField[];
  readonly symbols?: readonly string[];
}

const entries = EVENT_TYPE_NAMES.map((name) => [name, AVRO_SCHEMAS[name]] as const);

function fields(schema: Schema): readonly AvroField[] {
  return (schema as { fields: readonly AvroField[] }).fields;
}

function field(schema: Schema, name: string): AvroField {
  const found = fields(schema).find((f) => f.name === name);
  if (found === undefined) throw new Error(`no field ${name}`);
  return found;
}

function enumSymbols(schema: Schema, name: string): readonly string[] | undefined {
  return (field(schema, name).type as NamedType).symbols;
}

/** Every record, enum and fixed defined anywhere inside a schema, the schema itself included. */
function namedTypes(type: unknown): NamedType[] {
  if (Array.isArray(type)) return type.flatMap(namedTypes);
  if (typeof type !== 'object' || type === null) return [];
  const t = type as Partial<NamedType> & { items?: unknown; values?: unknown };
  const nested = [
    ...(t.fields ?? []).flatMap((f) => namedTypes(f.type)),
    ...namedTypes(t.items),
    ...namedTypes(t.values),
  ];
  return typeof t.name === 'string' && (t.type === 'record' || t.type === 'enum' || t.type === 'fixed')
    ? [t as NamedType, ...nested]
    : nested;
}

const parse = (schema: Schema) => avro.Type.forSchema(schema, { logicalTypes: LOGICAL_TYPES });

describe('Avro schemas', () => {
  it.each(entries)('%s parses with avsc and the project logical types, in eaio.events.v1', (name, schema) => {
    expect(parse(schema).name).toBe(`eaio.events.v1.${name}`);
  });

  it.each(entries)('%s has a doc on every record, enum and field', (_name, schema) => {
    for (const type of namedTypes(schema)) {
      expect(type.doc, `${type.name} doc`).toMatch(/\S/);
      for (const f of type.fields ?? []) expect(f.doc, `${type.name}.${f.name} doc`).toMatch(/\S/);
    }
  });

  it.each(entries)(
    '%s starts with eventId, occurredAt, source and ends with traceContext',
    (_name, schema) => {
      const all = fields(schema);
      expect(all.slice(0, 3).map((f) => [f.name, f.type])).toEqual([
        ['eventId', { type: 'string', logicalType: 'uuid' }],
        ['occurredAt', { type: 'long', logicalType: 'timestamp-millis' }],
        ['source', 'string'],
      ]);
      const last = all.at(-1);
      if (last === undefined) throw new Error('no fields');
      expect(last.name).toBe('traceContext');
      expect(last.default).toBeNull();
      const [nullBranch, traceContext] = last.type as [unknown, NamedType];
      expect(nullBranch).toBe('null');
      expect(traceContext.name).toBe('TraceContext');
      expect(traceContext.fields?.map((f) => f.name)).toEqual(['traceparent', 'tracestate']);
    },
  );

  it('defines every shared named type identically in every file', () => {
    const byName = new Map<string, { file: EventTypeName; definition: NamedType }[]>();
    for (const [file, schema] of entries) {
      for (const definition of namedTypes(schema)) {
        byName.set(definition.name, [...(byName.get(definition.name) ?? []), { file, definition }]);
      }
    }
    for (const [name, copies] of byName) {
      for (const copy of copies)
        expect(copy.definition, `${name} in ${copy.file}`).toEqual(copies[0]?.definition);
    }
    for (const shared of ['MeterKind', 'ReadingUnit', 'ControlUnit', 'TraceContext']) {
      expect(byName.get(shared)?.length ?? 0, shared).toBeGreaterThan(1);
    }
    expect(byName.get('TraceContext')?.length).toBe(EVENT_TYPE_NAMES.length);
  });

  it('keep the meter kinds and units of the TypeScript types in step', () => {
    expect(enumSymbols(AVRO_SCHEMAS.SensorReading, 'meterKind')).toEqual([...METER_KINDS]);
    expect(enumSymbols(AVRO_SCHEMAS.SensorReading, 'unit')).toEqual([...READING_UNITS]);
  });

  /** The schema as registered before this change: the same record without the fields added since. */
  function previousVersion(name: 'SensorReading' | 'BuildingRegistered'): Schema {
    const firstAdded = name === 'SensorReading' ? 'qualityFlags' : 'traceContext';
    const all = fields(AVRO_SCHEMAS[name]);
    return {
      ...(AVRO_SCHEMAS[name] as object),
      fields: all.slice(
        0,
        all.findIndex((f) => f.name === firstAdded),
      ),
    } as Schema;
  }

  it.each(['SensorReading', 'BuildingRegistered'] as const)(
    '%s evolves compatibly: fields are only added, last, with defaults',
    (name) => {
      const previous = previousVersion(name);
      const added = fields(AVRO_SCHEMAS[name]).slice(fields(previous).length);
      expect(added.length).toBeGreaterThan(0);
      expect(added.every((f) => f.default !== undefined)).toBe(true);
      // BACKWARD: the new schema reads events written with the previous one.
      expect(() => parse(AVRO_SCHEMAS[name]).createResolver(parse(previous))).not.toThrow();
      // FORWARD too, which FULL compatibility on the compacted buildings topic requires.
      expect(() => parse(previous).createResolver(parse(AVRO_SCHEMAS[name]))).not.toThrow();
    },
  );

  it('reads a SensorReading written with the previous schema, filling the new defaults', () => {
    const previous = parse(previousVersion('SensorReading'));
    const current = parse(AVRO_SCHEMAS.SensorReading);
    const written = previous.toBuffer({
      eventId: '5b0c8a2e-3f4d-4e6a-9b1c-2d3e4f5a6b7c',
      occurredAt: new Date('2024-01-01T00:00:00Z'),
      source: 'test',
      buildingId: 'b',
      meterId: 'm',
      meterKind: 'electricity',
      value: 1.5,
      unit: 'kWh',
    });
    const read = current.fromBuffer(written, current.createResolver(previous)) as Record<string, unknown>;
    expect(read.qualityFlags).toEqual([]);
    expect(read.traceContext).toBeNull();
    expect(read.occurredAt).toEqual(new Date('2024-01-01T00:00:00Z'));
  });
});

describe('topic catalog and schemas', () => {
  const valueTypes = new Set<string>(Object.values(TOPICS).map((t) => t.valueType));

  it('has a schema for every topic value type, and a topic for every schema but DeadLetterEnvelope', () => {
    for (const type of valueTypes) expect(EVENT_TYPE_NAMES, type).toContain(type);
    const withoutTopic = EVENT_TYPE_NAMES.filter((name) => !valueTypes.has(name));
    expect(withoutTopic).toEqual(['DeadLetterEnvelope']);
  });

  it('carries DeadLetterEnvelope on no topic: dead-letter topics keep the original bytes', () => {
    expect(valueTypes.has('DeadLetterEnvelope')).toBe(false);
  });

  it('gives every topic its own dead-letter topic, and compacts only the registry-like topics', () => {
    const specs = Object.values(TOPICS);
    expect(new Set(specs.map((t) => t.name)).size).toBe(specs.length);
    for (const t of specs) expect(t.deadLetterTopic).toBe(`${t.name}.dlq`);
    expect(specs.filter((t) => t.cleanupPolicy === 'compact').map((t) => t.name)).toEqual([
      'buildings',
      'meters',
      'control-points',
      'import-checkpoints',
    ]);
  });
});
