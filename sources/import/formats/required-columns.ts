import { ImportHeaderError } from '../import-format.ts';

/**
 * The header's names, trimmed, once it holds every `expected` column; otherwise an ImportHeaderError
 * naming the missing ones (`the <what> header lacks a, b`), so a wrong file stops before any row.
 */
export function requireColumns(
  header: readonly string[],
  expected: readonly string[],
  what: string,
): string[] {
  const names = header.map((f) => f.trim());
  const missing = expected.filter((c) => !names.includes(c));
  if (missing.length > 0)
    throw new ImportHeaderError(`the ${what} header lacks ${missing.join(', ')}`, missing);
  return names;
}
