/** A live phase's rate and whether the pipeline held it. */
export interface RateOutcome {
  readonly rate: number;
  readonly held: boolean;
}

/**
 * The next rate to try when looking for the highest one the pipeline holds: halfway between the
 * highest rate held and the lowest one above it that was not (double the highest held when none
 * failed above it, half the lowest failed when none held), rounded to `step`. Undefined once the gap
 * is a step or less, or the rate was tried already.
 */
export function nextRateToTry(tried: readonly RateOutcome[], step = 500): number | undefined {
  const held = tried.filter((t) => t.held).map((t) => t.rate);
  const lo = held.length === 0 ? 0 : Math.max(...held);
  const above = tried.filter((t) => !t.held && t.rate > lo).map((t) => t.rate);
  const hi = above.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...above);
  if (lo === 0 && hi === Number.POSITIVE_INFINITY) return undefined;
  const next = Math.round((hi === Number.POSITIVE_INFINITY ? lo * 2 : (lo + hi) / 2) / step) * step;
  if (next <= lo || next >= hi || tried.some((t) => t.rate === next)) return undefined;
  return next;
}
