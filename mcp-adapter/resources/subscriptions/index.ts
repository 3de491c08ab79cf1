export type { ResourceChangeBus, ResourceChangePublisher } from './redis-change-bus.ts';
export {
  createRedisChangeBus,
  createResourceChangePublisher,
  parseResourceChange,
  resourceChangesChannel,
} from './redis-change-bus.ts';
export type { ResourceChange } from './resource-changes.ts';
export { resourceChangesOf } from './resource-changes.ts';
export type {
  ResourceSubscriptions,
  ResourceSubscriptionsDeps,
  ServedConnection,
} from './resource-subscriptions.ts';
export { createResourceSubscriptions } from './resource-subscriptions.ts';
export { buildingIdOfUri, buildingUri, isMeterUri, meterLatestUri } from './resource-uris.ts';
export { createGatedServerEventBus, mayReceive, serveSubscriberAs } from './subscriber-gate.ts';
