export type { RedisOptions } from './create-redis.ts';
export { createRedis } from './create-redis.ts';
