import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { derivedEventId } from '../../schemas/index.ts';

describe('derivedEventId', () => {
  it('equals the uuid package v5 of the joined parts for any parts (ids already in the log must not change)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer()), { maxLength: 6 }),
        (parts) => {
          expect(derivedEventId(...parts)).toBe(
            uuidv5(parts.map(String).join('\u001f'), '4b0f6a4e-7a57-4f0e-9a52-8f6c2e1d3b90'),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
