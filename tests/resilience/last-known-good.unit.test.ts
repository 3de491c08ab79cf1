import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseArguments } from '../../projections/query-layer/index.ts';

describe('normalised query arguments (the key of a kept answer)', () => {
  it('ignore key order and undefined fields, and write dates as ISO text', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }),
          fc.oneof(fc.integer(), fc.string(), fc.constant(undefined)),
        ),
        fc.date({ noInvalidDate: true }),
        (fields, from) => {
          const args = { ...fields, from };
          const reversed = Object.fromEntries(Object.entries(args).reverse());
          expect(JSON.stringify(normaliseArguments(reversed))).toBe(JSON.stringify(normaliseArguments(args)));
          const normal = normaliseArguments(args) as Record<string, unknown>;
          expect(Object.values(normal)).not.toContain(undefined);
          expect(normal.from).toBe(from.toISOString());
        },
      ),
    );
  });

  it('tell different arguments apart', () => {
    const a = JSON.stringify(normaliseArguments({ buildingId: 'A', limit: 5 }));
    expect(JSON.stringify(normaliseArguments({ buildingId: 'A', limit: 6 }))).not.toBe(a);
    expect(JSON.stringify(normaliseArguments({ buildingId: 'A' }))).not.toBe(a);
    expect(JSON.stringify(normaliseArguments({ limit: 5, buildingId: 'A', meterId: undefined }))).toBe(a);
  });
});
