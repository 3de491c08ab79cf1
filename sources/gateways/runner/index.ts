export type { MeterStep } from './meter-counters.ts';
export { meterStep } from './meter-counters.ts';
export { registrationsOf } from './registrations.ts';
export type { ReportedValue } from './report-by-exception.ts';
export { shouldReportValue } from './report-by-exception.ts';
export type { GatewayPointMap, PointStats, RunGatewayDeps, RunningGateway } from './run-gateway.ts';
export { runGateway } from './run-gateway.ts';
