export type {
  BacnetPoint,
  BacnetPointMap,
  BacnetPointMapInput,
  BuildPointMapOptions,
  DiscoverCommandOptions,
  DiscoverCommandResult,
  DiscoveredDevice,
  DiscoverOptions,
  DraftPointMap,
  SimulatedBacnetDevice,
  SimulatedBacnetDeviceOptions,
  SimulatedFault,
  SimulatedObject,
} from './bacnet/index.ts';
export {
  bacnetPointMapSchema,
  buildPointMap,
  createBacnetGateway,
  discoverBacnetNetwork,
  discoverDevices,
  loadBacnetPointMap,
  parseBacnetPointMap,
  simulatedZoneObjects,
  simulatedZonePointMap,
  startSimulatedBacnetDevice,
  ZONE_OBJECTS,
} from './bacnet/index.ts';
export type { Gateway, GatewayErrorCode, GatewayHealth, PointRead } from './gateway.ts';
export { GatewayError, MAX_PRIORITY, MIN_PRIORITY } from './gateway.ts';
export type { GatewayMode, GatewayPoint, MeterPoint, SensorPoint, SetpointPoint } from './point-map.ts';
export { GATEWAY_MODES, gatewayBase, PointMapError, parsePointMap, pointMapSchema } from './point-map.ts';
