export { modelContentHash } from './content-hash.ts';
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
