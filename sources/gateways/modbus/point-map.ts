import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type GatewayPoint, parsePointMap, pointMapSchema } from '../point-map.ts';

/** The four Modbus data tables: 16-bit registers (holding writable, input read-only) and single bits. */
export const MODBUS_TABLES = ['holding', 'input', 'coil', 'discrete'] as const;
export type ModbusTable = (typeof MODBUS_TABLES)[number];

/** How a point's registers are read as a number; `bool` is a coil's or discrete input's bit. */
export const MODBUS_VALUE_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'bool'] as const;
export type ModbusValueType = (typeof MODBUS_VALUE_TYPES)[number];

export const MODBUS_BYTE_ORDERS = ['big', 'little'] as const;
export type ModbusByteOrder = (typeof MODBUS_BYTE_ORDERS)[number];

const BIT_TABLES: ReadonlySet<ModbusTable> = new Set(['coil', 'discrete']);
const WRITABLE_TABLES: ReadonlySet<ModbusTable> = new Set(['holding', 'coil']);

/** Whether a table holds single bits (coils, discrete inputs) rather than 16-bit registers. */
export function isBitTable(table: ModbusTable): boolean {
  return BIT_TABLES.has(table);
}

/** The `gateway` section's Modbus TCP fields. */
const modbusGatewayShape = {
  protocol: z.literal('modbus'),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535).default(502),
  /** The unit (slave) id of every point that does not name its own. */
  unitId: z.number().int().min(0).max(255).default(1),
  /** How long one request may wait for its answer before it fails with `timeout`. */
  timeoutMs: z.number().int().positive().max(60_000).default(2_000),
  /** Back-off between reconnection attempts after the connection dropped: doubles from initialMs up to maxMs. */
  reconnect: z
    .object({
      initialMs: z.number().int().positive().default(500),
      maxMs: z.number().int().positive().default(30_000),
    })
    .refine((r) => r.initialMs <= r.maxMs, { message: 'initialMs must not exceed maxMs', path: ['maxMs'] })
    .default({ initialMs: 500, maxMs: 30_000 }),
};

/** Where one point lives on the device and how its registers become a value. */
const modbusAddressShape = {
  /** Overrides the gateway's unitId, for a TCP gateway in front of several serial devices. */
  unitId: z.number().int().min(0).max(255).optional(),
  table: z.enum(MODBUS_TABLES),
  /** Zero-based protocol address (register 40001 of the old notation is holding address 0). */
  address: z.number().int().min(0).max(65_535),
  type: z.enum(MODBUS_VALUE_TYPES),
  /** Byte order within each 16-bit register. */
  byteOrder: z.enum(MODBUS_BYTE_ORDERS).default('big'),
  /** Which register of a 32-bit value comes first: `big` = the high word at `address`. */
  wordOrder: z.enum(MODBUS_BYTE_ORDERS).default('big'),
  /** value = raw * scale + offset; writes apply the inverse. */
  scale: z
    .number()
    .refine((s) => s !== 0, { message: 'scale must not be 0 (writes divide by it)' })
    .default(1),
  offset: z.number().default(0),
};

const baseSchema = pointMapSchema(modbusGatewayShape, modbusAddressShape);
const modbusAddress = z.object(modbusAddressShape);
const modbusGateway = z.object(modbusGatewayShape);

/**
 * A Modbus TCP gateway's points file. Beyond each field's own checks: coils and discrete inputs are
 * `bool` and only they are; a 32-bit value must fit in the 65,536 addresses; a setpoint lives in a
 * writable table (holding register or coil).
 */
export const modbusPointMapSchema = baseSchema.superRefine((map, ctx) => {
  (map.points as unknown as readonly ModbusPoint[]).forEach((p, i) => {
    const bits = isBitTable(p.table);
    if (bits && p.type !== 'bool') {
      ctx.addIssue({
        code: 'custom',
        path: ['points', i, 'type'],
        message: `a ${p.table} holds one bit: type must be bool, not ${p.type}`,
      });
    }
    if (!bits && p.type === 'bool') {
      ctx.addIssue({
        code: 'custom',
        path: ['points', i, 'type'],
        message: `bool is for coils and discrete inputs; a ${p.table} register takes int16, uint16, int32, uint32 or float32`,
      });
    }
    if (registerCount(p.type) === 2 && p.address > 65_534) {
      ctx.addIssue({
        code: 'custom',
        path: ['points', i, 'address'],
        message: `a ${p.type} spans two registers: address must be at most 65534`,
      });
    }
    if (p.role === 'setpoint' && !WRITABLE_TABLES.has(p.table)) {
      ctx.addIssue({
        code: 'custom',
        path: ['points', i, 'table'],
        message: `a setpoint must be writable: table must be holding or coil, not ${p.table}`,
      });
    }
  });
});

/** Where a point lives on the device. */
export type ModbusAddress = z.infer<typeof modbusAddress>;
/** A point of a Modbus map: its role fields and its address. */
export type ModbusPoint = GatewayPoint & ModbusAddress;
/** The `gateway` section of a Modbus map. */
export type ModbusGatewayConfig = z.infer<typeof baseSchema>['gateway'] & z.infer<typeof modbusGateway>;
/** A validated Modbus points file. */
export interface ModbusPointMap {
  readonly gateway: ModbusGatewayConfig;
  readonly points: readonly ModbusPoint[];
}

/** Registers a value of `type` occupies (a bit counts as one coil). */
export function registerCount(type: ModbusValueType): 1 | 2 {
  return type === 'int32' || type === 'uint32' || type === 'float32' ? 2 : 1;
}

/** Validates `raw` (a parsed points file) or throws PointMapError naming each bad entry. */
export function parseModbusPointMap(raw: unknown, file = '(inline)'): ModbusPointMap {
  // Generic over the address shape, zod's inferred point type loses its common keys: name them.
  return parsePointMap(modbusPointMapSchema, raw, file) as unknown as ModbusPointMap;
}

/** Reads and validates a Modbus points file (JSON); throws PointMapError naming each bad entry. */
export async function loadModbusPointMap(file: string): Promise<ModbusPointMap> {
  const text = await readFile(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseModbusPointMap(raw, file);
}
