export { modelContentHash } from './content-hash.ts';
export type { HoursLeftOut, MeasureSavingsInput, SavingsMeasurement } from './measure-savings.ts';
export { BaselineNotQualifiedError, measureSavings } from './measure-savings.ts';
export type { SavingsUncertainty, SavingsUncertaintyInput, TimedResidual } from './savings-uncertainty.ts';
export {
  DEFAULT_SAVINGS_CONFIDENCE,
  GUIDELINE_14_HOURLY_FSU_FACTOR,
  lag1Autocorrelation,
  savingsUncertainty,
} from './savings-uncertainty.ts';
export type { FitScores } from './scores.ts';
export { GUIDELINE_14_HOURLY, meetsGuideline14Hourly, scoreForecast } from './scores.ts';
export { seasonalNaiveForecast } from './seasonal-naive.ts';
export type { HourlyObservation, TowtFitOptions, TowtModel } from './towt.ts';
export {
  DEFAULT_KNOTS_C,
  fitTowt,
  MIN_TOWT_SAMPLES,
  predictTowt,
  temperatureSegments,
  towtCoefficients,
  towtFeatureNames,
  towtFromCoefficients,
} from './towt.ts';
