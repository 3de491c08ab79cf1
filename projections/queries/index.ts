export type { AnomaliesQuery, AnomalyRow } from './anomalies.ts';
export { MAX_ANOMALIES, queryAnomalies } from './anomalies.ts';
export type { BenchmarkQuery, BuildingBenchmark } from './benchmark.ts';
export { queryBenchmark } from './benchmark.ts';
export type { CommandStatus } from './command-status.ts';
export { queryCommandStatus } from './command-status.ts';
export type { ConsumptionBucket, ConsumptionQuery } from './consumption.ts';
export { queryConsumption } from './consumption.ts';
export type { DataQualityQuery, DataQualityReport } from './data-quality-report.ts';
export { queryDataQualityReport } from './data-quality-report.ts';
export type { KeptAnswer, LastKnownGood, LastKnownGoodOptions } from './last-known-good.ts';
export {
  createLastKnownGood,
  DEFAULT_LAST_KNOWN_GOOD_TTL_SECONDS,
  normaliseArguments,
} from './last-known-good.ts';
export type { Answer, AnswerBody, Provenance, Staleness } from './provenance.ts';
export { readProvenance } from './provenance.ts';
export type { Bucket, TimeRange } from './query-arguments.ts';
export { BUCKETS, checkRange, MAX_BUCKETS } from './query-arguments.ts';
export type { QueryLayer, QueryLayerDeps } from './query-layer.ts';
export { createQueryLayer } from './query-layer.ts';
export type { WeatherNormalisedConsumption, WeatherNormalisedQuery } from './weather-normalised.ts';
export { queryWeatherNormalised } from './weather-normalised.ts';
