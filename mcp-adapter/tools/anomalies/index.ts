export { listAnomalies, listAnomaliesInput, listAnomaliesOutput } from './list-anomalies.ts';
