import { EaioError } from '../../infra/errors/index.ts';
import { createHourOfWeek } from '../anomalies/index.ts';
import { modelContentHash } from './content-hash.ts';
import { lag1Autocorrelation, type SavingsUncertainty, savingsUncertainty } from './savings-uncertainty.ts';
import { type FitScores, GUIDELINE_14_HOURLY, meetsGuideline14Hourly, scoreForecast } from './scores.ts';
import {
  DEFAULT_KNOTS_C,
  fitTowt,
  type HourlyObservation,
  predictTowt,
  type TowtModel,
  temperatureSegments,
  towtCoefficients,
} from './towt.ts';

export interface MeasureSavingsInput {
  /** Hours before the change: what the baseline model is fitted on. */
  readonly baseline: readonly HourlyObservation[];
  /** Hours after the change: where the baseline is projected and compared with what was used. */
  readonly reporting: readonly HourlyObservation[];
  /** The building's IANA zone (TOWT's hour of week is local). */
  readonly timeZone: string;
  /** Two-sided confidence level of the uncertainty, default 0.9. */
  readonly confidence?: number;
  readonly knotsC?: readonly number[];
}

/** Hours of a period left out of the comparison, by why. */
export interface HoursLeftOut {
  /** Hours with consumption but no finite temperature. */
  readonly missingTemperature: number;
  /** Hours whose consumption is not a finite number. */
  readonly missingConsumption: number;
}

/** Avoided energy over a reporting period against a TOWT baseline, with its Guideline 14 uncertainty. */
export interface SavingsMeasurement {
  readonly model: TowtModel;
  /** {@link modelContentHash} of the model: the same baseline data gives the same hash. */
  readonly modelHash: string;
  /** Coefficients the model carries (168 hour-of-week values and the temperature slopes). */
  readonly coefficients: number;
  /** Parameters the fit estimated (hours of week seen and temperature segments that varied): G14's p. */
  readonly parameters: number;
  /** In-sample scores of the baseline fit, with `parameters` in their denominators. */
  readonly baselineScores: FitScores;
  /** The baseline hours fitted (n) and the reporting hours compared (m). */
  readonly baselineHours: number;
  readonly reportingHours: number;
  /** Σ of the baseline projected over the reporting hours with their actual temperatures. */
  readonly adjustedBaseline: number;
  /** Σ of what was used over the same hours. */
  readonly actual: number;
  /** adjustedBaseline − actual: positive when less was used than the baseline predicts. */
  readonly avoided: number;
  readonly savingsFraction: number;
  readonly uncertainty: SavingsUncertainty;
  readonly leftOut: { readonly baseline: HoursLeftOut; readonly reporting: HoursLeftOut };
}

/**
 * The refusal to report savings on a baseline that does not meet Guideline 14's hourly calibration
 * limits: the savings would be within the model's own error. Carries the figures that failed.
 */
export class BaselineNotQualifiedError extends EaioError {
  override readonly name = 'BaselineNotQualifiedError';
  constructor(
    readonly scores: FitScores,
    readonly limits: typeof GUIDELINE_14_HOURLY,
  ) {
    const failed: string[] = [];
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    if (!(scores.cvRmse <= limits.cvRmse))
      failed.push(`CV(RMSE) ${pct(scores.cvRmse)} is above the ${pct(limits.cvRmse)} limit`);
    if (!(Math.abs(scores.nmbe) <= limits.nmbe))
      failed.push(`NMBE ${pct(scores.nmbe)} is outside ±${pct(limits.nmbe)}`);
    super(
      'INVALID_ARGUMENT',
      'permanent',
      `the baseline model does not meet ASHRAE Guideline 14's hourly limits over ${scores.n} baseline hours: ${failed.join(' and ')} (R² ${scores.r2.toFixed(3)}). Savings against it would be lost in its own error; use a longer or steadier baseline period, leave out an unusual stretch (blackout), or pick another meter kind.`,
      {
        context: {
          cvRmse: scores.cvRmse,
          nmbe: scores.nmbe,
          r2: scores.r2,
          n: scores.n,
          cvRmseLimit: limits.cvRmse,
          nmbeLimit: limits.nmbe,
        },
      },
    );
  }
}

const hourOfWeekOf = createHourOfWeek();

interface Split {
  readonly usable: HourlyObservation[];
  readonly leftOut: HoursLeftOut;
}

function splitUsable(hours: readonly HourlyObservation[]): Split {
  const usable: HourlyObservation[] = [];
  let missingTemperature = 0;
  let missingConsumption = 0;
  for (const h of hours) {
    if (!Number.isFinite(h.consumption)) missingConsumption++;
    else if (h.temperatureC === undefined || !Number.isFinite(h.temperatureC)) missingTemperature++;
    else usable.push(h);
  }
  return { usable, leftOut: { missingTemperature, missingConsumption } };
}

/** The parameters fitTowt estimates for these hours: each hour of week seen, each segment that varies. */
function fittedParameters(usable: readonly HourlyObservation[], model: TowtModel): number {
  const slots = new Set(usable.map((o) => hourOfWeekOf(o.hourStart.getTime(), model.timeZone)));
  const segments = usable.map((o) => temperatureSegments(o.temperatureC as number, model.knotsC));
  const first = segments[0] ?? [];
  const varying = first.filter((_, j) => segments.some((s) => s[j] !== first[j])).length;
  return slots.size + varying;
}

/**
 * Measurement and verification in the manner of ASHRAE Guideline 14 and IPMVP Option C: fits a TOWT
 * baseline on the hours before a change, refuses ({@link BaselineNotQualifiedError}) when its fit is
 * outside Guideline 14's hourly limits, projects it over the reporting hours at their actual
 * temperatures, and reports the avoided energy Σ (projected − actual) with its fractional savings
 * uncertainty. Hours without a temperature or a consumption are left out of both sums and counted.
 * Pure and deterministic.
 */
export function measureSavings(input: MeasureSavingsInput): SavingsMeasurement {
  const baseline = splitUsable(input.baseline);
  const reporting = splitUsable(input.reporting);
  const model = fitTowt(baseline.usable, {
    timeZone: input.timeZone,
    knotsC: input.knotsC ?? DEFAULT_KNOTS_C,
  });
  const parameters = fittedParameters(baseline.usable, model);
  const fitted = baseline.usable.map((o) => predictTowt(model, o.hourStart, o.temperatureC as number));
  const actualBaseline = baseline.usable.map((o) => o.consumption);
  if (baseline.usable.length <= parameters) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `the baseline has ${baseline.usable.length} usable hours for a model of ${parameters} parameters: widen the baseline period`,
      { context: { hours: baseline.usable.length, parameters } },
    );
  }
  const baselineScores = scoreForecast(actualBaseline, fitted, parameters);
  if (!meetsGuideline14Hourly(baselineScores))
    throw new BaselineNotQualifiedError(baselineScores, GUIDELINE_14_HOURLY);
  if (reporting.usable.length === 0) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `no reporting hour has both consumption and a temperature (${reporting.leftOut.missingTemperature} without a temperature, ${reporting.leftOut.missingConsumption} without consumption): nothing to compare the baseline with yet`,
      { context: { ...reporting.leftOut } },
    );
  }
  let adjustedBaseline = 0;
  let actual = 0;
  for (const o of reporting.usable) {
    adjustedBaseline += predictTowt(model, o.hourStart, o.temperatureC as number);
    actual += o.consumption;
  }
  const avoided = adjustedBaseline - actual;
  const rho = lag1Autocorrelation(
    baseline.usable.map((o, i) => ({
      hourStart: o.hourStart,
      residual: (actualBaseline[i] as number) - (fitted[i] as number),
    })),
  );
  const uncertainty = savingsUncertainty({
    n: baseline.usable.length,
    parameters,
    rho,
    m: reporting.usable.length,
    cvRmse: baselineScores.cvRmse,
    adjustedBaseline,
    avoided,
    ...(input.confidence === undefined ? {} : { confidence: input.confidence }),
  });
  return {
    model,
    modelHash: modelContentHash(model),
    coefficients: towtCoefficients(model).length,
    parameters,
    baselineScores,
    baselineHours: baseline.usable.length,
    reportingHours: reporting.usable.length,
    adjustedBaseline,
    actual,
    avoided,
    savingsFraction: uncertainty.savingsFraction,
    uncertainty,
    leftOut: { baseline: baseline.leftOut, reporting: reporting.leftOut },
  };
}
