export {
  consumerLagCheck,
  kafkaCheck,
  postgresCheck,
  redisCheck,
  registryCheck,
} from './dependency-checks.ts';
export type { CheckResult, HealthCheck, ReadinessReport } from './health-check.ts';
export { describeFailure, runHealthChecks } from './health-check.ts';
export type { WriteStatus } from './write-status.ts';
export { createWriteStatus, writeStatusCheck } from './write-status.ts';
