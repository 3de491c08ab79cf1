/** A benchmark's figures from one run: numbers and strings, flat (as each benchmark's `run` returns them). */
export type Figures = Readonly<Record<string, unknown>>;

/** A numeric figure across the repeats that reported it. */
export interface NumberSummary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many repeats reported this figure (some figures appear only when non-zero). */
  readonly n: number;
}

/** A non-numeric figure: its distinct values in the order first seen. */
export interface TextSummary {
  readonly values: readonly string[];
  readonly n: number;
}

export type FigureSummary = NumberSummary | TextSummary;

export const isNumberSummary = (s: FigureSummary): s is NumberSummary => 'median' in s;

/** The median of a non-empty list: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/**
 * Median, min and max of each numeric figure across repeats; the distinct values of the others.
 * Keys keep the order of first appearance, so the summary reads like the benchmark's own table.
 */
export function summarize(repeats: readonly Figures[]): Record<string, FigureSummary> {
  const columns = new Map<string, unknown[]>();
  for (const figures of repeats)
    for (const [key, value] of Object.entries(figures)) {
      if (value === undefined) continue;
      const column = columns.get(key) ?? [];
      column.push(value);
      columns.set(key, column);
    }
  const summary: Record<string, FigureSummary> = {};
  for (const [key, column] of columns) {
    if (column.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) {
      summary[key] = {
        median: median(column),
        min: Math.min(...column),
        max: Math.max(...column),
        n: column.length,
      };
    } else {
      summary[key] = { values: [...new Set(column.map(String))], n: column.length };
    }
  }
  return summary;
}
