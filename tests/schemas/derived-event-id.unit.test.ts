import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { derivedEventId } from '../../schemas/index.ts';

const NAMESPACE = '4b0f6a4e-7a57-4f0e-9a52-8f6c2e1d3b90';

describe('derivedEventId', () => {
  it('is the UUID v5 of the parts joined by the unit separator, exactly as uuid computes it', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer(), fc.double())), (parts) => {
        expect(derivedEventId(...parts)).toBe(uuidv5(parts.map(String).join('\u001f'), NAMESPACE));
      }),
      { numRuns: 2_000 },
    );
  });

  it('computes long names (past the reused buffer) the same way', () => {
    const long = 'é'.repeat(5_000);
    expect(derivedEventId('x', long)).toBe(uuidv5(`x\u001f${long}`, NAMESPACE));
    expect(derivedEventId('x', 'é'.repeat(1_359))).toBe(uuidv5(`x\u001f${'é'.repeat(1_359)}`, NAMESPACE));
  });

  it('keeps the ids already in the log', () => {
    expect(derivedEventId('import-reading', 'Office_Ellis:electricity', '2016-01-01T00:00:00.000Z')).toBe(
      uuidv5('import-reading\u001fOffice_Ellis:electricity\u001f2016-01-01T00:00:00.000Z', NAMESPACE),
    );
  });
});
