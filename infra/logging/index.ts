export type { Logger, LoggerOptions } from './create-logger.ts';
export { createLogger } from './create-logger.ts';
export type { LoggerRegistry, LoggerRegistryOptions, LogLevel } from './logger-registry.ts';
export { createLoggerRegistry, LOG_LEVELS, parseLogLevel } from './logger-registry.ts';
export type { SecretMasker } from './redact-secrets.ts';
export {
  createSecretMasker,
  DEFAULT_SECRET_KEYS,
  maskUrlCredentials,
  REDACTED,
  secretRedactPaths,
} from './redact-secrets.ts';
export type { TraceFields } from './trace-context.ts';
export { traceContextMixin } from './trace-context.ts';
