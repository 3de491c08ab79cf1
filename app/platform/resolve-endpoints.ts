import type { EaioConfig } from '../../infra/config/index.ts';
import { readStackEndpoints } from '../../infra/stack/index.ts';
import type { PlatformEndpoints } from './connect-platform.ts';

/**
 * Where to find the services: the endpoints the local stack recorded when it is up (it may have
 * started Redis or Postgres on free ports), otherwise the configured ones.
 */
export async function resolveEndpoints(config: EaioConfig): Promise<PlatformEndpoints> {
  return (
    (await readStackEndpoints(config)) ?? {
      kafkaBrokers: config.kafka.brokers,
      registryUrl: config.registry.url,
      redisUrl: config.redis.url,
      postgresUrl: config.postgres.url,
    }
  );
}
