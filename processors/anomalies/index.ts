export type { AnomalyDetector } from './anomaly-detector.ts';
export { anomalyEventId, createAnomalyDetector } from './anomaly-detector.ts';
export { detectAnomalies } from './detect-anomalies.ts';
export type {
  DetectionEvaluation,
  DetectionScore,
  InjectedAnomaly,
  InjectedKind,
  SyntheticLoad,
  SyntheticLoadOptions,
} from './evaluation.ts';
export {
  evaluateDetection,
  INJECTED_KINDS,
  occupancyShape,
  runDetection,
  scoreDetections,
  seededRandom,
  syntheticLoad,
} from './evaluation.ts';
export type { HourOfWeekFn } from './hour-of-week.ts';
export { createHourOfWeek, HOURS_PER_WEEK, hourOfWeek, readingSlot } from './hour-of-week.ts';
export type { AnomalyDetectorConfig, DetectAnomaliesOptions } from './options.ts';
export { ANOMALY_DEFAULTS, ANOMALY_METHOD, ANOMALY_SOURCE, resolveAnomalyOptions } from './options.ts';
export type { Baseline, BaselineParams } from './robust-stats.ts';
export {
  baselineOf,
  MAD_TO_SIGMA,
  median,
  medianAbsoluteDeviation,
  robustScore,
  winsorise,
} from './robust-stats.ts';
