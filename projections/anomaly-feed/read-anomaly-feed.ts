import type { Redis } from 'ioredis';
import type { RedisKeyspace } from '../projection.ts';
import type { FeedAnomaly } from './anomaly-feed-changes.ts';
import { feedKeys } from './anomaly-feed-store.ts';

/** An anomaly read back from the feed. */
export type AnomalyFeedItem = Omit<FeedAnomaly, 'occurredAt' | 'readingAt'> & {
  readonly occurredAt: Date;
  readonly readingAt: Date;
};

export interface ReadAnomalyFeedOptions {
  /** One building's feed; the overall feed when omitted. */
  readonly buildingId?: string;
  /** At most this many, newest first; defaults to the whole feed. */
  readonly limit?: number;
}

/** The newest anomalies of a building, or overall, newest first (two round trips). */
export async function readAnomalyFeed(
  redis: Redis,
  keyspace: RedisKeyspace,
  options: ReadAnomalyFeedOptions = {},
): Promise<AnomalyFeedItem[]> {
  const keys = feedKeys(keyspace, options.buildingId);
  if (options.limit !== undefined && options.limit <= 0) return [];
  const ids = await redis.zrevrange(keys.feed, 0, options.limit === undefined ? -1 : options.limit - 1);
  if (ids.length === 0) return [];
  const details = await redis.hmget(keys.details, ...ids);
  const items: AnomalyFeedItem[] = [];
  for (const json of details) {
    // A detail trimmed between the two reads is skipped rather than shown half.
    if (json === null) continue;
    const e = JSON.parse(json) as FeedAnomaly;
    items.push({ ...e, occurredAt: new Date(e.occurredAt), readingAt: new Date(e.readingAt) });
  }
  return items;
}
