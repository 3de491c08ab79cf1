import type { Redis } from 'ioredis';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type pg from 'pg';
import type { EaioConfig } from '../../infra/config/index.ts';
import { createKafka, createProducer } from '../../infra/kafka/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import { createPool } from '../../infra/postgres/index.ts';
import { createRedis } from '../../infra/redis/index.ts';
import { type CircuitBreakers, createCircuitBreakers } from '../../infra/resilience/index.ts';
import {
  createEventCodec,
  createRegistryReader,
  type EventCodec,
  type SchemaRegistryReader,
  type TopicNames,
  topicNames,
} from '../../schemas/index.ts';

/** Where the services are, once the stack manager (or the operator) has said so. */
export interface PlatformEndpoints {
  readonly kafkaBrokers: readonly string[];
  readonly registryUrl: string;
  readonly redisUrl: string;
  readonly postgresUrl: string;
}

/** Connected clients shared by one process's components. `close()` releases all of them. */
export interface Platform {
  readonly config: EaioConfig;
  readonly logger: Logger;
  readonly kafka: Kafka;
  readonly names: TopicNames;
  readonly codec: EventCodec;
  /** What the schema registry holds (subjects and their latest versions), for the MCP schema resources. */
  readonly registry: SchemaRegistryReader;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  /**
   * One circuit breaker per dependency (postgres, redis, registry), shared by the process's
   * components; the codec's schema lookups already go through the registry's.
   */
  readonly breakers: CircuitBreakers;
  /** An idempotent producer, connected on first use. */
  producer(): Promise<Producer>;
  close(): Promise<void>;
}

/**
 * Connects one process's clients to the services at `endpoints`: Kafka, the registry-backed codec,
 * PostgreSQL and Redis, with the circuit breakers they share. Connections open lazily.
 */
export function connectPlatform(config: EaioConfig, endpoints: PlatformEndpoints, logger: Logger): Platform {
  const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: config.kafka.clientId, logger });
  const names = topicNames(config.kafka.topicPrefix);
  const breakers = createCircuitBreakers({ logger });
  const codec = createEventCodec({ registryUrl: endpoints.registryUrl, names, breaker: breakers.registry });
  const pool = createPool({ url: endpoints.postgresUrl, schema: config.postgres.schema });
  // Without a listener a dropped idle connection would be an uncaught 'error' event and crash the process.
  pool.on('error', (error) => {
    // pg-pool hangs the dropped client on the error (`err.client`): its whole state is not a log field.
    Reflect.deleteProperty(error, 'client');
    logger.warn({ err: error }, 'idle postgres connection failed');
  });
  const redis = createRedis({ url: endpoints.redisUrl, keyPrefix: config.redis.keyPrefix });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  let producer: Promise<Producer> | undefined;

  return {
    config,
    logger,
    kafka,
    names,
    codec,
    registry: createRegistryReader(endpoints.registryUrl),
    pool,
    redis,
    breakers,
    producer() {
      producer ??= (async () => {
        const p = createProducer(kafka, {
          allowAutoTopicCreation: false,
          // The Java client's murmur2 partitioning, so other clients put the same key on the same partition.
          createPartitioner: Partitioners.DefaultPartitioner,
          // Idempotence needs unbounded retries (the broker deduplicates them); a send blocks rather than loses.
          retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
        });
        await p.connect();
        return p;
      })();
      return producer;
    },
    async close() {
      if (producer) await (await producer).disconnect().catch(() => undefined);
      await Promise.allSettled([pool.end(), redis.quit()]);
    },
  };
}
