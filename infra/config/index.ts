export type { ConfigInput, EaioConfig } from './config-schema.ts';
export { configSchema } from './config-schema.ts';
export { ConfigError, ENVIRONMENT_VARIABLES, loadConfig } from './load-environment.ts';
