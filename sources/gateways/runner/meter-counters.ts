/** What one read of a meter register turns into. */
export type MeterStep =
  | { readonly kind: 'reading'; readonly value: number }
  /** The first read of a cumulative counter: the baseline the next read is measured from. */
  | { readonly kind: 'baseline' }
  /** The counter went backwards (reset, rollover or a swapped meter): never a negative reading. */
  | { readonly kind: 'backwards'; readonly previous: number; readonly current: number };

/**
 * The consumption a meter read stands for. A `cumulative` register counts energy, so a reading is the
 * difference from the previous read (the first read only sets the baseline); a counter lower than before
 * is reported, and becomes the new baseline. An `interval` register already holds the consumption.
 */
export function meterStep(
  valueIs: 'cumulative' | 'interval',
  previous: number | undefined,
  current: number,
): MeterStep {
  if (valueIs === 'interval') return { kind: 'reading', value: current };
  if (previous === undefined) return { kind: 'baseline' };
  if (current < previous) return { kind: 'backwards', previous, current };
  return { kind: 'reading', value: current - previous };
}
