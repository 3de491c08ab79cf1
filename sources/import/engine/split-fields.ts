import { parse } from 'csv-parse/sync';

/** Why a record's text could not be split into fields (an unclosed quote, text after a closing quote). */
export interface FieldSplitFailure {
  readonly failure: string;
}

/**
 * Splits one record's text into its fields. Without quoting, or when the text holds no quote, a
 * plain split on commas is exact and much faster; quoted records go through csv-parse.
 */
export function splitFields(text: string, quoting: boolean): readonly string[] | FieldSplitFailure {
  if (!quoting || !text.includes('"')) return text.split(',');
  try {
    const rows = parse(text, { relax_column_count: true }) as string[][];
    // The framer cut at the record's end, so the whole text is one record (its line ends are inside quotes).
    return rows[0] ?? [''];
  } catch (error) {
    return { failure: (error as Error).message };
  }
}
