import { randomBytes } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { inject } from 'vitest';
import { connectPlatform, type Platform, preparePlatform } from '../../app/index.ts';
import { configSchema, type EaioConfig } from '../../infra/config/index.ts';
import { createLogger } from '../../infra/logging/index.ts';
import { TOPICS, type TopicKey } from '../../schemas/index.ts';
import type { DemoFeedDeps } from '../../sources/index.ts';
import { waitFor } from './wait-for.ts';

export interface TestPlatform extends Platform {
  /** Environment that points a child `eaio` process at this test's isolated slice of the stack. */
  readonly childEnv: Record<string, string>;
  /** Reads every message of a topic from the beginning until `count` have arrived. */
  readAll(topic: string, count: number): Promise<KafkaMessage[]>;
  /** What the sources need to publish onto this platform's topics. */
  feedDeps(): Promise<DemoFeedDeps>;
  /** Rows in the readings table now. */
  countReadings(): Promise<number>;
  /** Resolves once the readings table holds exactly `count` rows. */
  waitForReadings(count: number, timeoutMs?: number): Promise<void>;
  /** Drops this test's schema, keys and topics, then closes the clients. */
  dispose(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Brokers to use instead of the shared stack's: a fault scenario's own cluster. */
  readonly kafkaBrokers?: readonly string[];
}

/**
 * A platform isolated for one test file: its own topic prefix, Postgres schema and Redis key
 * prefix on the shared real services, prepared (topics, schemas, migrations) and ready to use.
 */
export async function createTestPlatform(
  name: string,
  options: TestPlatformOptions = {},
): Promise<TestPlatform> {
  const shared = inject('endpoints');
  const endpoints = options.kafkaBrokers ? { ...shared, kafkaBrokers: [...options.kafkaBrokers] } : shared;
  const id = `${name}_${randomBytes(3).toString('hex')}`;
  const config: EaioConfig = configSchema.parse({
    // The broker's minimum session timeout: a SIGKILLed member's partitions move on after 6 s, not 30 s.
    kafka: { brokers: endpoints.kafkaBrokers, topicPrefix: `test.${id}.`, sessionTimeoutMs: 6_000 },
    registry: { url: endpoints.registryUrl },
    redis: { url: endpoints.redisUrl, keyPrefix: `test:${id}:` },
    postgres: { url: endpoints.postgresUrl, schema: `test_${id}`.toLowerCase() },
  });
  const logger = createLogger({ level: 'warn', component: `test:${name}` });
  const platform = connectPlatform(config, endpoints, logger);
  await preparePlatform(platform);
  const topics = (Object.keys(TOPICS) as TopicKey[]).flatMap((k) => [
    platform.names.topic(k),
    platform.names.deadLetter(k),
  ]);

  const countReadings = async (): Promise<number> => {
    const { rows } = await platform.pool.query<{ n: string }>('SELECT count(*) AS n FROM readings');
    return Number(rows[0]?.n ?? 0);
  };

  return {
    ...platform,
    countReadings,
    async feedDeps() {
      return { producer: await platform.producer(), codec: platform.codec, names: platform.names, logger };
    },
    async waitForReadings(count, timeoutMs = 60_000) {
      await waitFor(
        `${count} readings projected`,
        async () => ((await countReadings()) === count ? true : undefined),
        {
          timeoutMs,
        },
      );
    },
    childEnv: {
      EAIO_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      EAIO_REGISTRY_URL: endpoints.registryUrl,
      EAIO_REDIS_URL: endpoints.redisUrl,
      EAIO_POSTGRES_URL: endpoints.postgresUrl,
      EAIO_TOPIC_PREFIX: config.kafka.topicPrefix,
      EAIO_POSTGRES_SCHEMA: config.postgres.schema,
      EAIO_REDIS_KEY_PREFIX: config.redis.keyPrefix,
      EAIO_LOG_LEVEL: 'warn',
      EAIO_KAFKA_SESSION_TIMEOUT_MS: String(config.kafka.sessionTimeoutMs),
    },

    async readAll(topic, count) {
      const consumer = platform.kafka.consumer({
        groupId: `${config.kafka.topicPrefix}reader-${randomBytes(3).toString('hex')}`,
      });
      const seen: KafkaMessage[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
        await waitFor(`${count} messages on ${topic}`, async () => (seen.length >= count ? true : undefined));
      } finally {
        await consumer.disconnect();
      }
      return seen;
    },

    async dispose() {
      // Projection generations live in schemas of their own, named after the main one.
      const generations = await platform.pool
        .query<{ nspname: string }>(
          "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1 || '_')",
          [config.postgres.schema],
        )
        .catch(() => ({ rows: [] as { nspname: string }[] }));
      for (const { nspname } of generations.rows)
        await platform.pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
      await platform.pool
        .query(`DROP SCHEMA IF EXISTS ${config.postgres.schema} CASCADE`)
        .catch(() => undefined);
      // keyPrefix is applied to commands but not to SCAN patterns, so the pattern carries it explicitly.
      const keys = await platform.redis.keys(`${config.redis.keyPrefix}*`);
      const unprefixed = keys.map((k) => k.slice(config.redis.keyPrefix.length));
      if (unprefixed.length > 0) await platform.redis.del(...unprefixed);
      const admin = platform.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      await platform.close();
    },
  };
}
