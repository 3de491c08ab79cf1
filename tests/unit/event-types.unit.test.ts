import type { Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import { AVRO_SCHEMAS, METER_KINDS, READING_UNITS } from '../../schemas/index.ts';

interface AvroField {
  name: string;
  doc?: string;
  type: unknown;
}

function fields(schema: Schema): AvroField[] {
  return (schema as { fields: AvroField[] }).fields;
}

function enumSymbols(schema: Schema, field: string): string[] {
  const type = fields(schema).find((f) => f.name === field)?.type as { symbols: string[] };
  return type.symbols;
}

describe('Avro schemas and TypeScript types', () => {
  it('keep the meter kinds and units in step', () => {
    expect(enumSymbols(AVRO_SCHEMAS.SensorReading, 'meterKind')).toEqual([...METER_KINDS]);
    expect(enumSymbols(AVRO_SCHEMAS.SensorReading, 'unit')).toEqual([...READING_UNITS]);
  });

  it('give every event the envelope fields and a doc on every field', () => {
    for (const schema of Object.values(AVRO_SCHEMAS)) {
      const names = fields(schema).map((f) => f.name);
      expect(names.slice(0, 3)).toEqual(['eventId', 'occurredAt', 'source']);
      expect(fields(schema).every((f) => typeof f.doc === 'string' && f.doc.length > 0)).toBe(true);
      const occurredAt = fields(schema).find((f) => f.name === 'occurredAt')?.type;
      expect(occurredAt).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    }
  });
});
