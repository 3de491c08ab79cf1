import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generationSchema, monthlyPartitionName, monthsOf } from '../../projections/index.ts';

describe('generation schema names', () => {
  it('are valid unquoted identifiers of at most 63 bytes, distinct per projection and generation', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 100_000 }),
        (schema, name, generation) => {
          const a = generationSchema(schema, name, generation);
          expect(a).toMatch(/^[a-z0-9_]{1,63}$/);
          expect(a.endsWith(`_g${generation}`)).toBe(true);
          expect(generationSchema(schema, name, generation + 1)).not.toBe(a);
        },
      ),
    );
  });

  it('keep the readable form when it fits', () => {
    expect(generationSchema('eaio', 'latest-readings', 3)).toBe('eaio_latest_readings_g3');
  });
});

describe('monthly partitions', () => {
  it('name one partition per UTC month, in time order', () => {
    const months = monthsOf([
      new Date('2015-03-31T23:59:59Z'),
      new Date('2015-01-01T00:00:00Z'),
      new Date('2015-03-01T00:00:00Z'),
    ]);
    expect(months.map((m) => monthlyPartitionName('readings', m))).toEqual([
      'readings_p201501',
      'readings_p201503',
    ]);
  });
});
