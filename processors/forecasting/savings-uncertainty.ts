import jStat from 'jstat';
import { EaioError } from '../../infra/errors/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';

/**
 * Guideline 14's empirical correction of its savings-uncertainty formula for hourly and daily
 * baselines (Annex B; monthly models use a polynomial in the number of months instead).
 */
export const GUIDELINE_14_HOURLY_FSU_FACTOR = 1.26;

/** The confidence level savings are reported at unless asked otherwise, as Guideline 14 and IPMVP do. */
export const DEFAULT_SAVINGS_CONFIDENCE = 0.9;

/** One baseline residual (actual − fitted) and the start of its hour. */
export interface TimedResidual {
  readonly hourStart: Date;
  readonly residual: number;
}

/**
 * Lag-1 autocorrelation ρ of a model's residuals: Σ (rₜ − r̄)(rₜ₊₁ − r̄) over pairs exactly one step
 * apart, divided by Σ (rₜ − r̄)² over all residuals (the usual sample autocorrelation). Pairs across a
 * gap (a missing hour) are not neighbours and are left out. 0 when there is nothing to correlate.
 */
export function lag1Autocorrelation(residuals: readonly TimedResidual[], stepMs = HOUR_MS): number {
  if (residuals.length < 2) return 0;
  const sorted = [...residuals].sort((a, b) => a.hourStart.getTime() - b.hourStart.getTime());
  let sum = 0;
  for (const r of sorted) sum += r.residual;
  const mean = sum / sorted.length;
  let variance = 0;
  for (const r of sorted) variance += (r.residual - mean) ** 2;
  if (variance === 0) return 0;
  let covariance = 0;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as TimedResidual;
    const b = sorted[i] as TimedResidual;
    if (b.hourStart.getTime() - a.hourStart.getTime() !== stepMs) continue;
    covariance += (a.residual - mean) * (b.residual - mean);
  }
  return covariance / variance;
}

export interface SavingsUncertaintyInput {
  /** Baseline points fitted (hours). */
  readonly n: number;
  /** The model's parameter count `p` (the degrees of freedom its fit used). */
  readonly parameters: number;
  /** Lag-1 autocorrelation of the baseline residuals ({@link lag1Autocorrelation}). */
  readonly rho: number;
  /** Reporting points the savings are summed over (hours). */
  readonly m: number;
  /** The baseline fit's CV(RMSE), a fraction, with `n − p` in its denominator as Guideline 14 defines it. */
  readonly cvRmse: number;
  /** The baseline projected over the reporting period, Σ ŷ: what the savings are a fraction of. */
  readonly adjustedBaseline: number;
  /** Avoided energy, Σ (ŷ − y) over the reporting period. */
  readonly avoided: number;
  /** Two-sided confidence level in (0, 1); default {@link DEFAULT_SAVINGS_CONFIDENCE}. */
  readonly confidence?: number;
}

export interface SavingsUncertainty {
  readonly confidence: number;
  readonly n: number;
  /** Effective number of independent baseline points, `n·(1 − ρ)/(1 + ρ)` (n when ρ ≤ 0). */
  readonly nEffective: number;
  readonly rho: number;
  readonly m: number;
  readonly parameters: number;
  /** Student's t at the confidence level with `n' − p` degrees of freedom. */
  readonly t: number;
  /** The savings fraction F = avoided / adjusted baseline. */
  readonly savingsFraction: number;
  /** Half-width of the interval around the avoided energy, in its unit. */
  readonly absolute: number;
  /**
   * Fractional savings uncertainty ΔE_save / E_save: `absolute / |avoided|`; Infinity when nothing
   * was saved (any uncertainty is then infinitely many times the savings).
   */
  readonly fractional: number;
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

/**
 * ASHRAE Guideline 14-2014, Annex B (eq. B-14), the fractional savings uncertainty of a regression
 * baseline fitted to n autocorrelated points and projected over m reporting points:
 *
 *   ΔE_save / E_save = 1.26 · t · (CV / F) · sqrt( (n/n') · (1 + 2/n') · (1/m) ),  n' = n·(1−ρ)/(1+ρ)
 *
 * with CV the baseline CV(RMSE), F the savings fraction and t Student's t at the confidence level.
 * The same form (with n/n' folded into an MSE over n' − p degrees of freedom) is what LBNL's and
 * kW Engineering's M&V tools compute (kW-Labs/nmecr, `R/calculate_savings_and_uncertainty.R`), and is
 * discussed by Koran et al., "A Comparison of Approaches to Estimating the Time-Aggregated Uncertainty
 * of Savings Estimated from Meter Data" (IEPEC 2017). Two choices of ours: t takes n' − p degrees of
 * freedom (at least 1), as nmecr does for autocorrelated residuals; and the correction is applied for
 * any ρ > 0 (nmecr skips it below 0.5), while ρ ≤ 0 counts as independent points (n' = n), never as
 * more information than n points hold.
 *
 * The absolute uncertainty is ΔE_save = FSU · |E_save|; since E_save = F · adjusted baseline, it is
 * `1.26 · t · CV · sqrt(...) · adjusted baseline`, finite even when nothing was saved.
 */
export function savingsUncertainty(input: SavingsUncertaintyInput): SavingsUncertainty {
  const confidence = input.confidence ?? DEFAULT_SAVINGS_CONFIDENCE;
  const { n, parameters, m, cvRmse, adjustedBaseline, avoided } = input;
  if (!(confidence > 0 && confidence < 1))
    throw invalid(`the confidence level must be between 0 and 1 (0.9 is 90 %), got ${confidence}`, {
      confidence,
    });
  if (!Number.isInteger(n) || !Number.isInteger(m) || n <= parameters || m < 1)
    throw invalid(
      `savings uncertainty needs more baseline points than parameters and at least one reporting point, got n=${n}, p=${parameters}, m=${m}`,
      { n, parameters, m },
    );
  if (!(Number.isFinite(input.rho) && input.rho < 1))
    throw invalid(`the residuals' lag-1 autocorrelation must be below 1, got ${input.rho}`, {
      rho: input.rho,
    });
  const rho = Math.max(0, input.rho);
  const nEffective = (n * (1 - rho)) / (1 + rho);
  const dof = Math.max(1, nEffective - parameters);
  const t = jStat.studentt.inv(1 - (1 - confidence) / 2, dof);
  const spread = Math.sqrt((n / nEffective) * (1 + 2 / nEffective) * (1 / m));
  const absolute = GUIDELINE_14_HOURLY_FSU_FACTOR * t * cvRmse * spread * Math.abs(adjustedBaseline);
  const savingsFraction = adjustedBaseline === 0 ? Number.NaN : avoided / adjustedBaseline;
  const fractional = avoided === 0 ? Number.POSITIVE_INFINITY : absolute / Math.abs(avoided);
  return {
    confidence,
    n,
    nEffective,
    rho: input.rho,
    m,
    parameters,
    t,
    savingsFraction,
    absolute,
    fractional,
  };
}
