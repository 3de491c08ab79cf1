export type { Finding, StuckRun, StuckStep, UnitCheck } from './checks.ts';
export {
  checkFuture,
  checkGap,
  checkRange,
  checkSpike,
  checkUnit,
  duplicateFinding,
  MAD_TO_SIGMA,
  median,
  medianAbsoluteDeviation,
  stepStuckRun,
} from './checks.ts';
export { dataQuality } from './data-quality.ts';
export type { DataQualityChecker, DataQualityOutput } from './quality-checker.ts';
export { createDataQualityChecker } from './quality-checker.ts';
export { RingBuffer } from './ring-buffer.ts';
export type {
  BuildingRulesOverride,
  DataQualityConfig,
  DataQualityOptions,
  QualityRules,
  QualityRulesConfig,
  QualityRulesOverride,
  QualityThresholds,
} from './rules.ts';
export {
  DATA_QUALITY_SOURCE,
  DEFAULT_FUTURE_QUORUM,
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_QUALITY_RULES,
  resolveDataQualityOptions,
  rulesFor,
  withQualityThresholds,
} from './rules.ts';
export type { Conversion, UnitDimension } from './units.ts';
export { convertUnit, DEFAULT_CANONICAL_UNITS, UNIT_SIZES } from './units.ts';
