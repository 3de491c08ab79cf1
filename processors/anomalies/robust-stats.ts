/**
 * Scale factor from the median absolute deviation to the standard deviation of a normal
 * distribution (1 / Φ⁻¹(3/4)), so a robust score reads like a z-score on Gaussian noise.
 */
export const MAD_TO_SIGMA = 1.4826;

/** Median of a non-empty list; the mean of the two middle values for an even count. */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new RangeError('median needs at least one value');
  // A typed-array copy sorts numerically (Array#sort would compare strings) and leaves the input alone.
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >>> 1;
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/** Median absolute deviation from `center` (the median of `values` unless given); non-empty input. */
export function medianAbsoluteDeviation(values: ArrayLike<number>, center = median(values)): number {
  const deviations = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) deviations[i] = Math.abs((values[i] ?? Number.NaN) - center);
  return median(deviations);
}

/** What a baseline needs besides the sample: the threshold and the MAD floor. */
export interface BaselineParams {
  /** A value is anomalous when its score exceeds this (robust z-score). */
  readonly zThreshold: number;
  /** Floor on the MAD as a fraction of |median|. */
  readonly minMadFraction: number;
  /** Floor on the MAD in the reading's unit; positive, so a median of 0 still has a finite score. */
  readonly minMad: number;
}

/** Robust baseline of one slot: centre, spread and the expected range derived from them. */
export interface Baseline {
  readonly median: number;
  /** MAD of the sample, before the floor. */
  readonly mad: number;
  /** 1.4826 · max(mad, minMadFraction·|median|, minMad): the robust standard deviation used for scores. */
  readonly scale: number;
  /** median − z · scale. */
  readonly expectedLow: number;
  /** median + z · scale. */
  readonly expectedHigh: number;
  /** Number of values the baseline was computed from. */
  readonly samples: number;
}

/**
 * Baseline of a non-empty sample. The MAD is floored because hour-of-week slots of flat or quantised
 * series (a constant base load, a meter reporting whole kWh) often have MAD 0, which would make every
 * bit of noise infinitely anomalous; the relative floor scales with the load, the absolute one covers
 * a median of 0 (a meter that is off at night).
 */
export function baselineOf(values: ArrayLike<number>, params: BaselineParams): Baseline {
  const center = median(values);
  const mad = medianAbsoluteDeviation(values, center);
  const scale = MAD_TO_SIGMA * Math.max(mad, params.minMadFraction * Math.abs(center), params.minMad);
  return {
    median: center,
    mad,
    scale,
    expectedLow: center - params.zThreshold * scale,
    expectedHigh: center + params.zThreshold * scale,
    samples: values.length,
  };
}

/** Robust z-score: |value − median| / scale, in (floored) robust standard deviations. */
export function robustScore(value: number, baseline: Baseline): number {
  return Math.abs(value - baseline.median) / baseline.scale;
}

/**
 * The value clipped to the expected range: what an anomalous reading contributes to its slot's
 * history, so a spike moves the baseline no further than a normal reading at the edge could, while a
 * lasting change of level still pulls the baseline along, a bounded step per week.
 */
export function winsorise(value: number, baseline: Baseline): number {
  return Math.min(baseline.expectedHigh, Math.max(baseline.expectedLow, value));
}
