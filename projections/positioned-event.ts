/** An event with the log position it was read from; projections order and deduplicate by it. */
export interface Positioned<T> {
  readonly event: T;
  readonly partition: number;
  readonly offset: string;
}

/** True when `a` comes after `b` in one partition's log. */
export function isAfter(a: Positioned<unknown>, b: Positioned<unknown>): boolean {
  return BigInt(a.offset) > BigInt(b.offset);
}
