import { Redis } from 'ioredis';

export interface RedisOptions {
  readonly url: string;
  /** Prefix of every key; lets several deployments or test files share one Redis. */
  readonly keyPrefix: string;
}

/** An ioredis client; callers own its lifetime and `quit()` it on shutdown. */
export function createRedis({ url, keyPrefix }: RedisOptions): Redis {
  return new Redis(url, { keyPrefix, maxRetriesPerRequest: 3, lazyConnect: false });
}
