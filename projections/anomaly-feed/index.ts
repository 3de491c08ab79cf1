export type { AnomalyFeedChanges, FeedAnomaly } from './anomaly-feed-changes.ts';
export {
  combineAnomalyFeedChanges,
  emptyAnomalyFeedChanges,
  evolveAnomalyFeed,
  feedAnomalyOf,
} from './anomaly-feed-changes.ts';
export type { AnomalyFeedOptions } from './anomaly-feed-projection.ts';
export {
  ANOMALY_FEED,
  activeAnomalyFeedKeyspace,
  createAnomalyFeedProjection,
} from './anomaly-feed-projection.ts';
export { applyAnomalyFeed, feedKeys } from './anomaly-feed-store.ts';
export type { AnomalyFeedItem, ReadAnomalyFeedOptions } from './read-anomaly-feed.ts';
export { readAnomalyFeed } from './read-anomaly-feed.ts';
