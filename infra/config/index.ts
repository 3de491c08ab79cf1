export { CONFIG_DOCS_MARKERS, renderConfigTable, withConfigTable } from './config-docs.ts';
export type { ConfigIssue, ConfigOrigin, ConfigSecretReason } from './config-errors.ts';
export { CONFIG_LAYERS, ConfigError, ConfigSecretError, describeOrigin } from './config-errors.ts';
export type { ConfigKey, ConfigValueKind } from './config-keys.ts';
export { CONFIG_KEYS, envNameOf, findConfigKey } from './config-keys.ts';
export type {
  ConfigInput,
  ConfigKeyMeta,
  EaioConfig,
  LogLevel,
  ReloadableConfig,
  ReloadableSection,
  TokenAlgorithm,
} from './config-schema.ts';
export {
  configSchema,
  logLevelFor,
  PRINCIPAL_ROLES,
  RELOADABLE_SECTIONS,
  reloadableSlice,
  SIMULATOR_FAULT_KINDS,
  TOKEN_ALGORITHMS,
} from './config-schema.ts';
export type {
  ConfigStore,
  ConfigStoreOptions,
  RefusedChange,
  ReloadOutcome,
  ReloadTrigger,
} from './config-store.ts';
export { createConfigStore } from './config-store.ts';
export type { Environment } from './load-environment.ts';
export { ENVIRONMENT_VARIABLES } from './load-environment.ts';
export type { ConfigSources, ResolvedConfig } from './resolve-config.ts';
export {
  CONFIG_FILE_VARIABLE,
  DEFAULT_CONFIG_FILE,
  loadConfig,
  locateConfigFile,
  resolveConfig,
} from './resolve-config.ts';
export {
  CONFIG_KEY_VARIABLE,
  configKeyId,
  decryptSecret,
  encryptSecret,
  parseConfigKey,
} from './secret-cipher.ts';
export {
  createSecretScrubber,
  REDACTED,
  redactConfig,
  redactSecretValue,
  secretPaths,
  secretValues,
} from './secret-redaction.ts';
