/**
 * Reading one value cell, the hot loop of a wide import (every cell of a million-cell file): a
 * charCode scan then `Number()`, no regex, no allocation on the common path.
 */

/** Cleaned rule of a cell that holds no reading: empty, or a missing-value marker such as `NaN`. */
export const NO_READING = 'no reading';

/** Dead-letter reasons of a value cell, stable strings counted in the import summary. */
export const VALUE_REASONS = {
  /** Text that is not a decimal number (`abc`, `0x1F`, `12 kWh`, `Infinity`). */
  notANumber: 'not a number',
  /** A number written with a thousands separator (`1,234`): ambiguous with a decimal comma, so refused. */
  thousandsSeparator: 'thousands separator',
  /** A negative consumption: meters count up, so a negative interval value is a fault, not a reading. */
  negative: 'negative value',
} as const;

/**
 * What a cell holds. A reading is returned as its (non-negative) value; the other outcomes as negative
 * codes, so the common path returns a plain number instead of an object per cell.
 */
export const CELL_NO_READING = -1;
export const CELL_NOT_A_NUMBER = -2;
export const CELL_THOUSANDS_SEPARATOR = -3;
export const CELL_NEGATIVE = -4;

const MISSING_MARKERS: ReadonlySet<string> = new Set(['nan', 'na', 'n/a', 'null']);

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const PLUS = 43;
const MINUS = 45;
const COMMA = 44;
const SPACE = 32;
const LOWER_E = 101;
const UPPER_E = 69;

/** Reads one value cell: a value >= 0, or one of the `CELL_*` codes. */
export function readCell(text: string): number {
  const length = text.length;
  if (length === 0) return CELL_NO_READING;
  let sawDigit = false;
  let sawComma = false;
  let sawSpace = false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) sawDigit = true;
    else if (c === COMMA) sawComma = true;
    else if (c === SPACE) sawSpace = true;
    else if (c !== DOT && c !== PLUS && c !== MINUS && c !== LOWER_E && c !== UPPER_E) {
      return MISSING_MARKERS.has(text.trim().toLowerCase()) ? CELL_NO_READING : CELL_NOT_A_NUMBER;
    }
  }
  if (!sawDigit) return sawSpace && text.trim() === '' ? CELL_NO_READING : CELL_NOT_A_NUMBER;
  if (sawComma) {
    return Number.isFinite(Number(text.replaceAll(',', ''))) ? CELL_THOUSANDS_SEPARATOR : CELL_NOT_A_NUMBER;
  }
  // Number() ignores surrounding spaces but not inner ones ("1 2" is NaN), which is what we want.
  const value = Number(text);
  if (!Number.isFinite(value)) return CELL_NOT_A_NUMBER;
  if (value < 0) return CELL_NEGATIVE;
  return value === 0 ? 0 : value;
}

/** The dead-letter reason of a negative `readCell` code other than {@link CELL_NO_READING}. */
export function cellReason(code: number): string {
  if (code === CELL_THOUSANDS_SEPARATOR) return VALUE_REASONS.thousandsSeparator;
  if (code === CELL_NEGATIVE) return VALUE_REASONS.negative;
  return VALUE_REASONS.notANumber;
}

/** Longest piece of a field quoted in a detail: the record's full text is in the dead letter anyway. */
const QUOTE_LIMIT = 80;

/** `text` in quotes for a dead-letter detail, cut short when it is long (a 1 MB field stays a line). */
export function quoted(text: string): string {
  return text.length <= QUOTE_LIMIT
    ? `'${text}'`
    : `'${text.slice(0, QUOTE_LIMIT)}…' (${text.length} characters)`;
}

/** Dead-letter reasons that refuse a whole row (every unit of it). */
export const ROW_REASONS = {
  /** The row has more or fewer fields than the header: the values cannot be told apart. */
  wrongColumnCount: 'wrong column count',
} as const;
