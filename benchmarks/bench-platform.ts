import { connectPlatform, type Platform } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import { createLogger } from '../infra/logging/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';

/**
 * A platform isolated for one benchmark run `id`: topics `bench.<id>.*`, schema `bench_<id>`, Redis
 * keys `bench:<id>:*` on the configured services, so runs never share state and can be cleaned up.
 */
export function connectBenchPlatform(config: EaioConfig, endpoints: StackEndpoints, id: string): Platform {
  return connectPlatform(
    {
      ...config,
      kafka: { ...config.kafka, topicPrefix: `bench.${id}.` },
      redis: { ...config.redis, keyPrefix: `bench:${id}:` },
      postgres: { ...config.postgres, schema: `bench_${id}` },
    },
    endpoints,
    createLogger({ level: config.log.level, component: 'bench' }),
  );
}
