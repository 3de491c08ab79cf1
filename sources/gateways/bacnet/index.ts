export type { BacnetFailure } from './bacnet-client.ts';
export { classifyBacnetError, describeBacnetError } from './bacnet-client.ts';
export { createBacnetGateway, LOWEST_RESERVED_PRIORITY } from './bacnet-gateway.ts';
export type {
  BuildPointMapOptions,
  DiscoverCommandOptions,
  DiscoverCommandResult,
  DiscoveredDevice,
  DiscoverOptions,
  DraftPointMap,
  SkippedObject,
} from './discovery.ts';
export { buildPointMap, discoverBacnetNetwork, discoverDevices } from './discovery.ts';
export type {
  BacnetAddress,
  BacnetObjectType,
  BacnetPoint,
  BacnetPointMap,
  BacnetPointMapInput,
} from './point-map.ts';
export {
  BACNET_OBJECT_TYPES,
  bacnetAddressShape,
  bacnetGatewayShape,
  bacnetPointMapSchema,
  loadBacnetPointMap,
  parseBacnetPointMap,
} from './point-map.ts';
export type {
  SimulatedBacnetDevice,
  SimulatedBacnetDeviceOptions,
  SimulatedComputeContext,
  SimulatedCovSubscription,
  SimulatedDeviceStats,
  SimulatedFault,
  SimulatedObject,
  SimulatedService,
  SimulatedZoneOptions,
  SimulatedZonePointsOptions,
} from './simulated-device.ts';
export {
  simulatedZoneObjects,
  simulatedZonePointMap,
  startSimulatedBacnetDevice,
  ZONE_OBJECTS,
} from './simulated-device.ts';
