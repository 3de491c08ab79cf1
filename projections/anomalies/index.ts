export type { AnomaliesChanges, AnomalyRow } from './anomalies-projection.ts';
export { anomaliesProjection, evolveAnomalies, mergeAnomaliesChanges } from './anomalies-projection.ts';
export type { AnomaliesQuery, AnomalyView } from './query-anomalies.ts';
export { MAX_ANOMALIES, queryAnomalies } from './query-anomalies.ts';
