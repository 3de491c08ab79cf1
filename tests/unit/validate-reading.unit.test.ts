import { describe, expect, it } from 'vitest';
import { MAX_READING_BY_UNIT, ReadingRejectedError, validateReading } from '../../processors/index.ts';
import type { SensorReading } from '../../schemas/index.ts';

const valid: SensorReading = {
  eventId: '0b7c2f62-8c1e-4d57-9a51-2a4c4f0e9d11',
  occurredAt: new Date('2015-03-01T10:00:00Z'),
  source: 'test',
  buildingId: 'Office_Cristina',
  meterId: 'Office_Cristina:electricity',
  meterKind: 'electricity',
  value: 120.5,
  unit: 'kWh',
};

function rejection(reading: SensorReading): ReadingRejectedError {
  try {
    validateReading(reading);
  } catch (error) {
    if (error instanceof ReadingRejectedError) return error;
    throw error;
  }
  throw new Error('expected the reading to be rejected');
}

describe('validateReading', () => {
  it('accepts a plausible reading unchanged', () => {
    expect(validateReading(valid)).toBe(valid);
  });

  it('accepts the range bounds themselves', () => {
    expect(validateReading({ ...valid, value: 0 }).value).toBe(0);
    expect(validateReading({ ...valid, value: MAX_READING_BY_UNIT.kWh }).value).toBe(MAX_READING_BY_UNIT.kWh);
  });

  it('rejects negative and implausibly large values as out of range, naming value, unit and bounds', () => {
    const negative = rejection({ ...valid, value: -5 });
    expect(negative.code).toBe('EVENT_OUT_OF_RANGE');
    expect(negative.kind).toBe('poison');
    expect(negative.message).toContain('-5 kWh');
    expect(negative.message).toContain(`[0, ${MAX_READING_BY_UNIT.kWh}]`);
    expect(rejection({ ...valid, value: MAX_READING_BY_UNIT.kWh + 1 }).code).toBe('EVENT_OUT_OF_RANGE');
  });

  it('rejects non-finite values, empty ids and a non-UUID event id as invalid', () => {
    expect(rejection({ ...valid, value: Number.NaN }).code).toBe('EVENT_INVALID');
    expect(rejection({ ...valid, value: Number.POSITIVE_INFINITY }).code).toBe('EVENT_INVALID');
    const empty = rejection({ ...valid, meterId: '' });
    expect(empty.code).toBe('EVENT_INVALID');
    expect(empty.message).toContain('meterId');
    expect(rejection({ ...valid, eventId: 'not-a-uuid' }).message).toContain('eventId');
  });
});
