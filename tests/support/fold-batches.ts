import fc from 'fast-check';

/** The fold of a read-model definition, over whatever event type it takes. */
export interface Fold<S, E> {
  initial(): S;
  evolve(state: S, event: E): S;
}

/** One batch's change set: `evolve` over the events from `initial()`. */
export function foldBatch<S, E>(fold: Fold<S, E>, events: readonly E[]): S {
  let state = fold.initial();
  for (const e of events) state = fold.evolve(state, e);
  return state;
}

/** Cuts `items` into consecutive non-empty batches at the given positions (any values; clamped, deduplicated). */
export function cutInto<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const at = [...new Set(cuts.map((c) => Math.max(1, Math.min(items.length - 1, c))))]
    .filter((c) => c > 0 && c < items.length)
    .sort((a, b) => a - b);
  const batches: T[][] = [];
  let from = 0;
  for (const c of [...at, items.length]) {
    if (c > from) batches.push(items.slice(from, c));
    from = c;
  }
  return batches;
}

/** Cut positions for a batch of up to `max` events. */
export const cutsArb = (max = 60): fc.Arbitrary<number[]> => fc.array(fc.nat(max), { maxLength: 8 });

/** A map's entries sorted by key, for order-independent equality. */
export function entries<T>(map: ReadonlyMap<string, T>): [string, T][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
