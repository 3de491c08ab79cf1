import { EaioError } from '../../infra/errors/index.ts';

/**
 * ASHRAE Guideline 14 goodness-of-fit figures. `cvRmse` and `nmbe` are fractions (0.25 is 25 %);
 * NMBE is positive when the model under-predicts (actual above predicted), as the guideline defines it.
 */
export interface FitScores {
  readonly n: number;
  readonly meanActual: number;
  readonly cvRmse: number;
  readonly nmbe: number;
  readonly r2: number;
}

/** Guideline 14's calibration limits for hourly data: CV(RMSE) at most 30 %, NMBE within ±10 %. */
export const GUIDELINE_14_HOURLY = { cvRmse: 0.3, nmbe: 0.1 } as const;

/**
 * Scores predictions against actuals. `parameters` is the model's parameter count `p` for an
 * in-sample fit (the guideline divides by `n - p`); 0, the default, for out-of-sample scoring. The
 * ratios are `NaN` when the mean actual is 0 (no scale to divide by), and r² is `NaN` when the actuals
 * do not vary.
 */
export function scoreForecast(
  actual: readonly number[],
  predicted: readonly number[],
  parameters = 0,
): FitScores {
  if (actual.length !== predicted.length) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `${actual.length} actual values against ${predicted.length} predictions: they must pair up`,
    );
  }
  const n = actual.length;
  const dof = n - parameters;
  if (n === 0 || dof <= 0) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `cannot score ${n} value(s) of a model with ${parameters} parameters`,
    );
  }
  let sumActual = 0;
  for (const a of actual) sumActual += a;
  const meanActual = sumActual / n;
  let squaredError = 0;
  let error = 0;
  let squaredDeviation = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i] as number;
    const residual = a - (predicted[i] as number);
    squaredError += residual * residual;
    error += residual;
    squaredDeviation += (a - meanActual) * (a - meanActual);
  }
  return {
    n,
    meanActual,
    cvRmse: Math.sqrt(squaredError / dof) / meanActual,
    nmbe: error / (dof * meanActual),
    r2: 1 - squaredError / squaredDeviation,
  };
}

/** Whether scores meet {@link GUIDELINE_14_HOURLY}. */
export function meetsGuideline14Hourly(scores: Pick<FitScores, 'cvRmse' | 'nmbe'>): boolean {
  return scores.cvRmse <= GUIDELINE_14_HOURLY.cvRmse && Math.abs(scores.nmbe) <= GUIDELINE_14_HOURLY.nmbe;
}
