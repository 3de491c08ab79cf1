export type { AnomaliesChanges, AnomalyRow } from './anomalies-projection.ts';
export { anomaliesProjection, evolveAnomalies, mergeAnomaliesChanges } from './anomalies-projection.ts';
