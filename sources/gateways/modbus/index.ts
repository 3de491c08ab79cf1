export type { RegisterLayout } from './codec.ts';
export { decodeRegisters, encodeRegisters, ModbusCodecError } from './codec.ts';
export { MODBUS_EXCEPTION_NAMES } from './errors.ts';
export { EXAMPLE_PLANT_POINTS_FILE, loadExamplePlantPointMap } from './example-plant.ts';
export type {
  ModbusGateway,
  ModbusGatewayOptions,
  PriorityArraySnapshot,
  RelinquishResult,
} from './modbus-gateway.ts';
export { createModbusGateway } from './modbus-gateway.ts';
export type {
  ModbusAddress,
  ModbusByteOrder,
  ModbusGatewayConfig,
  ModbusPoint,
  ModbusPointMap,
  ModbusTable,
  ModbusValueType,
} from './point-map.ts';
export {
  loadModbusPointMap,
  MODBUS_TABLES,
  MODBUS_VALUE_TYPES,
  modbusPointMapSchema,
  parseModbusPointMap,
} from './point-map.ts';
export type { ActiveCommand } from './priority-array.ts';
export type { ReadPlanLimits, ReadRequest } from './read-plan.ts';
export {
  DEFAULT_READ_PLAN_LIMITS,
  MAX_BITS_PER_READ,
  MAX_REGISTERS_PER_READ,
  planReads,
} from './read-plan.ts';
export type {
  PlantRequest,
  SimulatedModbusPlant,
  SimulatedPlantOptions,
  SimulatedZoneOptions,
  ZoneState,
} from './simulated-plant.ts';
export { plantAddresses, startSimulatedModbusPlant } from './simulated-plant.ts';
