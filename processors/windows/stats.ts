import type { ReadingAggregate } from '../../schemas/index.ts';

/** Sum, mean, min, max and count of the readings of one window. */
export interface WindowStats {
  readonly sum: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
}

/** One reading as a window holds it: the parts that identify it and its value. */
export interface ReadingEntry {
  readonly occurredAt: number;
  readonly meterId: string;
  readonly value: number;
}

/** Readings of one (meterId, occurredAt) are duplicates: a window counts the latest to arrive once. */
export function dedupKeyOf(entry: ReadingEntry): string {
  return `${entry.meterId}\u001f${entry.occurredAt}`;
}

/** Canonical order (occurredAt, then meterId by code unit) in which a window's values are summed. */
export function compareEntries(a: ReadingEntry, b: ReadingEntry): number {
  return a.occurredAt - b.occurredAt || (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0);
}

/**
 * Stats of a non-empty set of readings. Floating-point addition is not associative, so values are
 * summed in the canonical order of {@link compareEntries}, not arrival order: the same readings give
 * bit-identical stats however they were shuffled on the way in.
 */
export function statsOf(entries: Iterable<ReadingEntry>): WindowStats {
  const sorted = [...entries].sort(compareEntries);
  if (sorted.length === 0) throw new RangeError('statsOf needs at least one reading');
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const { value } of sorted) {
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  return { sum, mean: sum / sorted.length, min, max, count: sorted.length };
}

/** Stats with one more value added (used once a window's readings are gone and only its summary is left). */
export function addValue(stats: WindowStats, value: number): WindowStats {
  const sum = stats.sum + value;
  const count = stats.count + 1;
  return { sum, mean: sum / count, min: Math.min(stats.min, value), max: Math.max(stats.max, value), count };
}

/** The revision of a delta aggregate: out of band (revisions otherwise start at 0), see {@link mergeAggregate}. */
export const DELTA_REVISION = -1;

/** True for a delta aggregate: its stats are only the contribution of late readings, to add to the stored window. */
export function isDeltaAggregate(aggregate: ReadingAggregate): boolean {
  return aggregate.revision === DELTA_REVISION;
}

/**
 * The consumer side of the windowing contract, as a pure function: what a store holding one row per
 * window (scope, key, meterKind, unit, windowSize, windowStart) does with each aggregate event.
 *
 * - A full statement (`revision >= 0`) replaces the stored row when its revision is higher (the highest
 *   revision wins, so redelivered or reordered statements are harmless).
 * - A delta (`revision === DELTA_REVISION`, always `isCorrection: true`) is added: sums and counts
 *   add, min and max combine, the mean is recomputed; the stored revision is kept. Deltas are not
 *   idempotent, so the caller applies each `eventId` once (the project-wide idempotency rule).
 */
export function mergeAggregate(
  stored: ReadingAggregate | undefined,
  incoming: ReadingAggregate,
): ReadingAggregate {
  if (!isDeltaAggregate(incoming)) {
    return stored === undefined || incoming.revision > stored.revision ? incoming : stored;
  }
  if (stored === undefined) return incoming;
  const sum = stored.sum + incoming.sum;
  const count = stored.count + incoming.count;
  return {
    ...stored,
    sum,
    count,
    mean: sum / count,
    min: Math.min(stored.min, incoming.min),
    max: Math.max(stored.max, incoming.max),
    isCorrection: true,
  };
}
