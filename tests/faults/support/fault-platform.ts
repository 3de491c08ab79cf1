import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connectPlatform, type Platform, preparePlatform } from '../../../app/index.ts';
import { configSchema, type EaioConfig } from '../../../infra/config/index.ts';
import { createLogger } from '../../../infra/logging/index.ts';
import type { StackEndpoints } from '../../../infra/stack/index.ts';
import { TOPICS, type TopicKey } from '../../../schemas/index.ts';
import type { DemoFeedDeps } from '../../../sources/index.ts';

export interface FaultPlatform extends Platform {
  readonly endpoints: StackEndpoints;
  /** Environment that points a child `eaio` process at this platform (its endpoints and prefixes). */
  readonly childEnv: Record<string, string>;
  /** What publishing needs (the demo feeds and the ledger): the shared producer, codec, names and logger. */
  feedDeps(): Promise<DemoFeedDeps>;
  /** Drops this platform's schema, keys and topics (each as far as its service answers), then closes. */
  dispose(): Promise<void>;
}

/**
 * Like `createTestPlatform`, isolated by topic prefix, schema and key prefix, but on the shared stack
 * with some endpoints replaced by the scenario's own services (a broker or Postgres on a small disk).
 */
export async function createFaultPlatform(
  name: string,
  own: Partial<StackEndpoints>,
  logLevel: 'warn' | 'error' | 'fatal' = 'warn',
): Promise<FaultPlatform> {
  const endpoints: StackEndpoints = { ...inject('endpoints'), ...own };
  const id = `${name}_${randomBytes(3).toString('hex')}`;
  const config: EaioConfig = configSchema.parse({
    kafka: { brokers: endpoints.kafkaBrokers, topicPrefix: `fault.${id}.`, sessionTimeoutMs: 6_000 },
    registry: { url: endpoints.registryUrl },
    redis: { url: endpoints.redisUrl, keyPrefix: `fault:${id}:` },
    postgres: { url: endpoints.postgresUrl, schema: `fault_${id}`.toLowerCase() },
  });
  const logger = createLogger({ level: logLevel, component: `fault:${name}` });
  const platform = connectPlatform(config, endpoints, logger);
  await preparePlatform(platform);
  return {
    ...platform,
    endpoints,
    async feedDeps() {
      return { producer: await platform.producer(), codec: platform.codec, names: platform.names, logger };
    },
    childEnv: {
      EAIO_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      EAIO_REGISTRY_URL: endpoints.registryUrl,
      EAIO_REDIS_URL: endpoints.redisUrl,
      EAIO_POSTGRES_URL: endpoints.postgresUrl,
      EAIO_TOPIC_PREFIX: config.kafka.topicPrefix,
      EAIO_POSTGRES_SCHEMA: config.postgres.schema,
      EAIO_REDIS_KEY_PREFIX: config.redis.keyPrefix,
      // Raised for a diagnosis run, e.g. FAULTS_CHILD_LOG_LEVEL=debug (kafkajs's own entries included).
      EAIO_LOG_LEVEL: process.env.FAULTS_CHILD_LOG_LEVEL ?? 'warn',
      EAIO_KAFKA_SESSION_TIMEOUT_MS: String(config.kafka.sessionTimeoutMs),
    },
    async dispose() {
      const generations = await platform.pool
        .query<{ nspname: string }>(
          "SELECT nspname FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')",
          [config.postgres.schema],
        )
        .catch(() => ({ rows: [] as { nspname: string }[] }));
      for (const { nspname } of generations.rows)
        await platform.pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
      const keys = await platform.redis.keys(`${config.redis.keyPrefix}*`).catch(() => [] as string[]);
      const unprefixed = keys.map((k) => k.slice(config.redis.keyPrefix.length));
      if (unprefixed.length > 0) await platform.redis.del(...unprefixed).catch(() => undefined);
      const topics = (Object.keys(TOPICS) as TopicKey[]).flatMap((k) => [
        platform.names.topic(k),
        platform.names.deadLetter(k),
      ]);
      const admin = platform.kafka.admin();
      await admin
        .connect()
        .then(() => admin.deleteTopics({ topics, timeout: 10_000 }))
        .catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await platform.close();
    },
  };
}
