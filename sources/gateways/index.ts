export type { Gateway, GatewayErrorCode, GatewayHealth, PointRead } from './gateway.ts';
export { GatewayError, MAX_PRIORITY, MIN_PRIORITY } from './gateway.ts';
export type {
  ModbusAddress,
  ModbusGatewayConfig,
  ModbusPoint,
  ModbusPointMap,
} from './modbus/index.ts';
export { loadModbusPointMap, modbusPointMapSchema, parseModbusPointMap } from './modbus/index.ts';
export type { GatewayMode, GatewayPoint, MeterPoint, SensorPoint, SetpointPoint } from './point-map.ts';
export { GATEWAY_MODES, gatewayBase, PointMapError, parsePointMap, pointMapSchema } from './point-map.ts';
