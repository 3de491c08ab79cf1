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
export type {
  CommandExecutorDeps,
  CommandState,
  ExecutorPoint,
  ExecutorStats,
  RunningExecutor,
} from './command-executor/index.ts';
export { startCommandExecutor } from './command-executor/index.ts';
export type { Gateway, GatewayErrorCode, GatewayHealth, PointRead } from './gateway.ts';
export { GatewayError, MAX_PRIORITY, MIN_PRIORITY } from './gateway.ts';
export type {
  ModbusAddress,
  ModbusGateway,
  ModbusGatewayConfig,
  ModbusGatewayOptions,
  ModbusPoint,
  ModbusPointMap,
  PlantRequest,
  PriorityArraySnapshot,
  RelinquishResult,
  SimulatedModbusPlant,
  SimulatedPlantOptions,
  ZoneState,
} from './modbus/index.ts';
export {
  createModbusGateway,
  EXAMPLE_PLANT_POINTS_FILE,
  loadExamplePlantPointMap,
  loadModbusPointMap,
  modbusPointMapSchema,
  parseModbusPointMap,
  plantAddresses,
  startSimulatedModbusPlant,
} from './modbus/index.ts';
export type { GatewayMode, GatewayPoint, MeterPoint, SensorPoint, SetpointPoint } from './point-map.ts';
export { GATEWAY_MODES, gatewayBase, PointMapError, parsePointMap, pointMapSchema } from './point-map.ts';
export type { GatewayPointMap, PointStats, RunGatewayDeps, RunningGateway } from './runner/index.ts';
export { runGateway } from './runner/index.ts';
export { simulatedZonePoints } from './simulated-zone-points.ts';
