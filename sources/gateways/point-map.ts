import { z } from 'zod';
import { CONTROL_POINT_KINDS, CONTROL_UNITS, METER_KINDS, READING_UNITS } from '../../schemas/index.ts';
import { MAX_PRIORITY, MIN_PRIORITY } from './gateway.ts';

/**
 * The protocol-neutral half of a gateway's point map (`eaio gateway --config points.json`): what each
 * point is to the platform. Each protocol adds where the point lives on the device (a Modbus register,
 * a BACnet object) with {@link pointMapSchema}.
 *
 * A point is one of three roles:
 * - `meter`: an energy meter whose values are readings (SensorReading, after a MeterRegistered);
 * - `sensor`: a value read and reported (PointValueObserved), e.g. a zone temperature;
 * - `setpoint`: a writable control point (ControlPointRegistered with its limits and policy), whose
 *   present value is reported like a sensor's and which commands write.
 */
const pointBase = {
  /** Stable id, unique across buildings: the meterId of a meter's readings, the pointId otherwise. */
  pointId: z.string().min(1),
  buildingId: z.string().min(1),
  /** How often the point is read, in seconds. */
  pollSeconds: z.number().positive().max(86_400).default(60),
  /** Brick Schema class, e.g. `Zone_Air_Temperature_Setpoint`. */
  brickClass: z.string().min(1).optional(),
  /**
   * A sensor's or setpoint's value is reported when it changed by at least this much (absent or 0: any change),
   * and at least every `gateway.valueRefreshSeconds` (BACnet's COV increment, for every protocol).
   */
  covIncrement: z.number().min(0).optional(),
};

const meterPoint = z.object({
  ...pointBase,
  role: z.literal('meter'),
  meterKind: z.enum(METER_KINDS),
  unit: z.enum(READING_UNITS),
  /**
   * `cumulative` (the default): the register is an energy counter and each reading is the difference
   * between two reads; `interval`: the register already holds the consumption since the last read.
   */
  valueIs: z.enum(['cumulative', 'interval']).default('cumulative'),
});

const sensorPoint = z.object({
  ...pointBase,
  role: z.literal('sensor'),
  unit: z.enum(CONTROL_UNITS),
});

const setpointPoint = z
  .object({
    ...pointBase,
    role: z.literal('setpoint'),
    pointKind: z.enum(CONTROL_POINT_KINDS),
    unit: z.enum(CONTROL_UNITS),
    minValue: z.number(),
    maxValue: z.number(),
    maxChangePerMinute: z.number().positive().optional(),
    /** Pairs a heating_setpoint with the cooling_setpoint of the same zone for the dead band. */
    zoneId: z.string().min(1).optional(),
    requiresApproval: z.boolean().default(false),
    approvalTimeoutSeconds: z.number().int().positive().optional(),
    /**
     * The value the point returns to when no priority holds it. BACnet devices keep their own
     * (Relinquish_Default) and this is ignored; a Modbus register has none, so the gateway's emulated
     * priority array writes this one when the last command is relinquished.
     */
    relinquishDefault: z.number().optional(),
  })
  .refine((p) => p.minValue <= p.maxValue, {
    message: 'minValue must not exceed maxValue',
    path: ['maxValue'],
  })
  .refine((p) => p.unit !== 'boolean' || (p.minValue === 0 && p.maxValue === 1), {
    message: 'a boolean point (on/off) takes minValue 0 and maxValue 1',
    path: ['unit'],
  });

/** How often an unchanged point value is reported again, in seconds (`gateway.valueRefreshSeconds`). */
export const DEFAULT_VALUE_REFRESH_SECONDS = 300;

/** What the gateway may do on the network. */
export const GATEWAY_MODES = ['read-only', 'read-write'] as const;
export type GatewayMode = (typeof GATEWAY_MODES)[number];

/** Settings shared by every protocol's `gateway` section. */
export const gatewayBase = {
  /** e.g. `modbus-gw:plant-1`: the `source` of the gateway's events and the `gatewayId` of its points. */
  id: z.string().min(1),
  /**
   * `read-only` (the default) polls and reports but refuses every command: how a real network is
   * connected first. `read-write` also writes accepted commands.
   */
  mode: z.enum(GATEWAY_MODES).default('read-only'),
  /** Default priority of writes, 1-16, when a command does not say (BACnet: 8, manual operator). */
  defaultPriority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY).default(8),
  /** A point whose last good read is older than this many poll intervals is stale: commands to it are refused. */
  staleAfterPolls: z.number().int().min(1).default(3),
  /**
   * An unchanged sensor or setpoint value is reported again after this many seconds. At most 600: the
   * control-safety processor refuses commands to a gateway point whose last value is 15 minutes old.
   */
  valueRefreshSeconds: z.number().int().min(1).max(600).default(DEFAULT_VALUE_REFRESH_SECONDS),
};

/**
 * The full point map of one protocol: the gateway section, and points each carrying the protocol's
 * address fields beside the common ones. Point ids must be unique.
 */
export function pointMapSchema<G extends z.ZodRawShape, A extends z.ZodRawShape>(
  gatewayShape: G,
  addressShape: A,
) {
  const point = z.discriminatedUnion('role', [
    meterPoint.extend(addressShape),
    sensorPoint.extend(addressShape),
    // Refinements stay on the wrapped object: extend the inner shape, then refine again.
    setpointPoint.safeExtend(addressShape),
  ]);
  return z
    .object({
      gateway: z.object({ ...gatewayBase, ...gatewayShape }),
      points: z.array(point).min(1),
    })
    .superRefine((map, ctx) => {
      const seen = new Map<string, number>();
      // Generic over the address shape, the inferred point type loses its common keys: name them.
      (map.points as unknown as readonly { pointId: string }[]).forEach((p, i) => {
        const first = seen.get(p.pointId);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['points', i, 'pointId'],
            message: `pointId ${p.pointId} is used by points[${first}] already; each point needs its own id`,
          });
        } else seen.set(p.pointId, i);
      });
    });
}

export type MeterPoint = z.infer<typeof meterPoint>;
export type SensorPoint = z.infer<typeof sensorPoint>;
export type SetpointPoint = z.infer<typeof setpointPoint>;
/** A point of any protocol, without its address. */
export type GatewayPoint = MeterPoint | SensorPoint | SetpointPoint;

/** A point map that failed validation: every problem, each naming the entry (`points[3].address`). */
export class PointMapError extends Error {
  override readonly name = 'PointMapError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid point map:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses `raw` (the JSON of a points file) with `schema`, or throws PointMapError naming each bad entry. */
export function parsePointMap<S extends z.ZodType>(schema: S, raw: unknown, file: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new PointMapError(
    file,
    parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(file)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
