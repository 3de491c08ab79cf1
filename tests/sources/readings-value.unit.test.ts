import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CELL_NEGATIVE,
  CELL_NO_READING,
  CELL_NOT_A_NUMBER,
  CELL_THOUSANDS_SEPARATOR,
  readCell,
} from '../../sources/import/formats/reading-value.ts';

describe('readCell', () => {
  it('reads any non-negative number as JavaScript writes it, and refuses its negation', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), (v) => {
        expect(readCell(String(v))).toBe(v === 0 ? 0 : v);
        if (v > 0) expect(readCell(String(-v))).toBe(CELL_NEGATIVE);
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['', CELL_NO_READING],
    ['   ', CELL_NO_READING],
    ['NaN', CELL_NO_READING],
    ['nan', CELL_NO_READING],
    ['NA', CELL_NO_READING],
    ['null', CELL_NO_READING],
    ['abc', CELL_NOT_A_NUMBER],
    ['12 kWh', CELL_NOT_A_NUMBER],
    ['0x1F', CELL_NOT_A_NUMBER],
    ['Infinity', CELL_NOT_A_NUMBER],
    ['1e999', CELL_NOT_A_NUMBER],
    ['1.2.3', CELL_NOT_A_NUMBER],
    ['-', CELL_NOT_A_NUMBER],
    ['1 2', CELL_NOT_A_NUMBER],
    ['1,234', CELL_THOUSANDS_SEPARATOR],
    ['1,234,567.5', CELL_THOUSANDS_SEPARATOR],
    ['1,2,x', CELL_NOT_A_NUMBER],
    ['-3', CELL_NEGATIVE],
    ['-0', 0],
    [' 7 ', 7],
    ['1e3', 1000],
    ['.5', 0.5],
  ])('reads %j as %d', (text, expected) => {
    expect(readCell(text)).toBe(expected);
  });
});
