export type {
  BreakerCallOptions,
  BreakerDependency,
  BreakerOptions,
  BreakerState,
  BreakerStatus,
  CircuitBreakers,
  CircuitBreakersOptions,
  DependencyBreaker,
} from './circuit-breakers.ts';
export { BREAKER_DEPENDENCIES, createCircuitBreakers } from './circuit-breakers.ts';
export type { Dependency } from './dependency-errors.ts';
export {
  classifyFailure,
  DEPENDENCY_LABELS,
  isDependencyFailure,
  isNetworkFailure,
} from './dependency-errors.ts';
export type { RetryTransientOptions } from './retry-transient.ts';
export { isRetryable, retryTransient, transientBackoff } from './retry-transient.ts';
export { isStorageFull, storageFull } from './storage-full.ts';
export type { RetryOptions } from './with-retry.ts';
export { withRetry } from './with-retry.ts';
