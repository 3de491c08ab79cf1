/** Small descriptive statistics shared by the analytics queries; each says which definition it uses. */

/** Quantile `q` (0..1) by linear interpolation between closest ranks, as PostgreSQL's `percentile_cont`. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const low = sorted[lo] ?? Number.NaN;
  const high = sorted[hi] ?? Number.NaN;
  return low + (high - low) * (at - lo);
}

/** The median (`percentile_cont(0.5)`). */
export const median = (values: readonly number[]): number => quantile(values, 0.5);

/**
 * Share (0..100) of the other values below `value`, as PostgreSQL's `percent_rank` ranks one member of
 * `all` (which includes it): 90 means higher than 90 % of the others. 0 when it stands alone.
 */
export function percentRank(value: number, all: readonly number[]): number {
  if (all.length <= 1) return 0;
  return (100 * all.filter((x) => x < value).length) / (all.length - 1);
}

/** Ordinary least-squares slope of `y` on `x`; NaN with fewer than two distinct x. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] ?? 0;
    my += y[i] ?? 0;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] ?? 0) - mx;
    sxy += dx * ((y[i] ?? 0) - my);
    sxx += dx * dx;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

/** Arithmetic mean; NaN when empty. */
export const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
