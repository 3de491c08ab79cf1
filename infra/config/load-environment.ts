import { type ConfigInput, configSchema, type EaioConfig } from './config-schema.ts';

/** Environment variables read at the edge; the only place outside `bin/` that touches `process.env`. */
export const ENVIRONMENT_VARIABLES = {
  EAIO_STATE_DIR: 'stateDir',
  EAIO_KAFKA_BROKERS: 'kafka.brokers (comma-separated)',
  EAIO_TOPIC_PREFIX: 'kafka.topicPrefix',
  EAIO_KAFKA_SESSION_TIMEOUT_MS: 'kafka.sessionTimeoutMs',
  EAIO_REGISTRY_URL: 'registry.url',
  EAIO_REDIS_URL: 'redis.url',
  EAIO_REDIS_KEY_PREFIX: 'redis.keyPrefix',
  EAIO_POSTGRES_URL: 'postgres.url',
  EAIO_POSTGRES_SCHEMA: 'postgres.schema',
  EAIO_MCP_HOST: 'mcp.host',
  EAIO_MCP_PORT: 'mcp.port',
  EAIO_LOG_LEVEL: 'log.level',
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function fromEnvironment(env: NodeJS.ProcessEnv): ConfigInput {
  const input: ConfigInput = {};
  if (env.EAIO_STATE_DIR) input.stateDir = env.EAIO_STATE_DIR;
  input.kafka = {
    ...(env.EAIO_KAFKA_BROKERS ? { brokers: env.EAIO_KAFKA_BROKERS.split(',').map((b) => b.trim()) } : {}),
    ...(env.EAIO_TOPIC_PREFIX !== undefined ? { topicPrefix: env.EAIO_TOPIC_PREFIX } : {}),
    ...(env.EAIO_KAFKA_SESSION_TIMEOUT_MS
      ? { sessionTimeoutMs: Number(env.EAIO_KAFKA_SESSION_TIMEOUT_MS) }
      : {}),
  };
  input.registry = env.EAIO_REGISTRY_URL ? { url: env.EAIO_REGISTRY_URL } : {};
  input.redis = {
    ...(env.EAIO_REDIS_URL ? { url: env.EAIO_REDIS_URL } : {}),
    ...(env.EAIO_REDIS_KEY_PREFIX !== undefined ? { keyPrefix: env.EAIO_REDIS_KEY_PREFIX } : {}),
  };
  input.postgres = {
    ...(env.EAIO_POSTGRES_URL ? { url: env.EAIO_POSTGRES_URL } : {}),
    ...(env.EAIO_POSTGRES_SCHEMA ? { schema: env.EAIO_POSTGRES_SCHEMA } : {}),
  };
  input.mcp = {
    ...(env.EAIO_MCP_HOST ? { host: env.EAIO_MCP_HOST } : {}),
    ...(env.EAIO_MCP_PORT ? { port: Number(env.EAIO_MCP_PORT) } : {}),
  };
  input.log = env.EAIO_LOG_LEVEL ? { level: env.EAIO_LOG_LEVEL as 'info' } : {};
  return input;
}

/**
 * Builds the immutable configuration from defaults and the environment. Errors name the key and
 * the environment variable it came from.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EaioConfig {
  const parsed = configSchema.safeParse(fromEnvironment(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const variable = Object.entries(ENVIRONMENT_VARIABLES).find(([, k]) => k.startsWith(key))?.[0];
      return `  ${key}${variable ? ` (from ${variable})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}
