import { readFile } from 'node:fs/promises';
import { ObjectType, PropertyIdentifier } from '@bacnet-js/client';
import { z } from 'zod';
import { type GatewayPoint, parsePointMap, pointMapSchema } from '../point-map.ts';

/** Object types the gateway reads and writes; their present values are numbers (REAL, ENUMERATED 0/1 or UNSIGNED). */
export const BACNET_OBJECT_TYPES = [
  'analog-input',
  'analog-output',
  'analog-value',
  'binary-input',
  'binary-output',
  'binary-value',
  'multi-state-value',
] as const;
export type BacnetObjectType = (typeof BACNET_OBJECT_TYPES)[number];

export const OBJECT_TYPE_IDS: Readonly<Record<BacnetObjectType, number>> = {
  'analog-input': ObjectType.ANALOG_INPUT,
  'analog-output': ObjectType.ANALOG_OUTPUT,
  'analog-value': ObjectType.ANALOG_VALUE,
  'binary-input': ObjectType.BINARY_INPUT,
  'binary-output': ObjectType.BINARY_OUTPUT,
  'binary-value': ObjectType.BINARY_VALUE,
  'multi-state-value': ObjectType.MULTI_STATE_VALUE,
};

/** The object type's name for its BACnet id, or undefined for types the gateway does not handle. */
export function objectTypeName(id: number): BacnetObjectType | undefined {
  return BACNET_OBJECT_TYPES.find((name) => OBJECT_TYPE_IDS[name] === id);
}

/** Inputs reflect the physical world: BACnet does not command them (their present value is read-only). */
export const isInputObject = (type: BacnetObjectType): boolean => type.endsWith('-input');
export const isBinaryObject = (type: BacnetObjectType): boolean => type.startsWith('binary-');

/** `present-value` -> PropertyIdentifier.PRESENT_VALUE (85); undefined when BACnet has no such property. */
export function propertyId(name: string): number | undefined {
  const id = (PropertyIdentifier as unknown as Record<string, number | string>)[
    name.toUpperCase().replaceAll('-', '_')
  ];
  return typeof id === 'number' ? id : undefined;
}

/** A BACnet device instance is 22 bits; 4194303 is the wildcard, never a real device. */
const MAX_INSTANCE = 4_194_302;
/** `host:port`, the way a BACnet/IP device is reached. */
const hostPort = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$/, 'a BACnet/IP address is host:port, e.g. 192.168.1.20:47808')
  .refine((a) => {
    const port = Number(a.split(':')[1]);
    return port >= 1 && port <= 65_535;
  }, 'the port must be 1-65535');

/** The `gateway` section of a BACnet points file, beside the common fields (id, mode, defaultPriority, ...). */
export const bacnetGatewayShape = {
  protocol: z.literal('bacnet'),
  /** Local interface the gateway's UDP socket binds; 0.0.0.0 hears broadcasts (I-Am) on every interface. */
  localAddress: z.string().min(1).default('0.0.0.0'),
  /** Local UDP port; 47808 (0xBAC0) is BACnet/IP's, 0 asks for an ephemeral one (tests, a second client on one host). */
  localPort: z.number().int().min(0).max(65_535).default(47_808),
  device: z.object({
    address: hostPort,
    deviceInstance: z.number().int().min(0).max(MAX_INSTANCE),
  }),
  /** How long one confirmed request waits for the device's answer. */
  timeoutMs: z.number().int().min(50).max(60_000).default(3000),
  /** Lifetime of each COV subscription; the gateway renews it before it ends. */
  covLifetimeSeconds: z.number().int().min(10).max(86_400).default(300),
  /** Subscribe to COV for present values (the points are polled as well, at their pollSeconds). */
  useCov: z.boolean().default(true),
  /** How many points one ReadPropertyMultiple asks for, to keep answers within one unsegmented APDU. */
  maxPointsPerRequest: z.number().int().min(1).max(100).default(20),
};

/** Where a point lives on the device. */
export const bacnetAddressShape = {
  objectType: z.enum(BACNET_OBJECT_TYPES),
  objectInstance: z.number().int().min(0).max(MAX_INSTANCE),
  /** The property read (and, for present-value, written), kebab-case as in the standard. */
  property: z
    .string()
    .default('present-value')
    .refine((p) => propertyId(p) !== undefined, {
      message: 'not a BACnet property name (e.g. present-value)',
    }),
};

interface BacnetPointFields {
  readonly role: 'meter' | 'sensor' | 'setpoint';
  readonly unit: string;
  readonly objectType: BacnetObjectType;
  readonly objectInstance: number;
  readonly property: string;
}

/** A BACnet points file: `{ gateway: { protocol: 'bacnet', device, ... }, points: [...] }`. */
export const bacnetPointMapSchema = pointMapSchema(bacnetGatewayShape, bacnetAddressShape).superRefine(
  (map, ctx) => {
    const seen = new Map<string, number>();
    // Generic over the address shape, the inferred point type loses its fields: name them.
    (map.points as unknown as readonly BacnetPointFields[]).forEach((p, i) => {
      // A setpoint is written: the object must be commandable (not an input) and the property its present value.
      if (p.role === 'setpoint' && isInputObject(p.objectType)) {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'objectType'],
          message: `${p.objectType} is not commandable; a setpoint needs an output or a value object`,
        });
      }
      if (p.role === 'setpoint' && p.property !== 'present-value') {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'property'],
          message: 'a setpoint is written at its present-value',
        });
      }
      if (p.role === 'setpoint' && isBinaryObject(p.objectType) && p.unit !== 'boolean') {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'unit'],
          message: 'a binary object is on/off: unit boolean',
        });
      }
      const key = `${p.objectType}:${p.objectInstance}:${p.property}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'objectInstance'],
          message: `${key} is mapped by points[${first}] already`,
        });
      } else seen.set(key, i);
    });
  },
);

const bacnetAddress = z.object(bacnetAddressShape);
/** Where a point lives on the device, after defaults. */
export type BacnetAddress = z.infer<typeof bacnetAddress>;
/** A point of a BACnet map: its role fields and its object. */
export type BacnetPoint = GatewayPoint & BacnetAddress;
/**
 * A validated BACnet points file. Inferred through the generic pointMapSchema the points lose their
 * common fields, so the type is spelled out.
 */
export type BacnetPointMap = Omit<z.infer<typeof bacnetPointMapSchema>, 'points'> & {
  readonly points: readonly BacnetPoint[];
};
/** What a points file holds before defaults, e.g. a draft from discovery. */
export type BacnetPointMapInput = z.input<typeof bacnetPointMapSchema>;

/** Reads and validates a BACnet points file, or throws PointMapError naming each bad entry. */
export async function loadBacnetPointMap(file: string): Promise<BacnetPointMap> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read points file ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return parseBacnetPointMap(raw, file);
}

/** Validates the JSON of a BACnet points file, or throws PointMapError naming each bad entry. */
export function parseBacnetPointMap(raw: unknown, file: string): BacnetPointMap {
  return parsePointMap(bacnetPointMapSchema, raw, file) as BacnetPointMap;
}
