/**
 * The device side of the platform, one protocol per implementation (Modbus TCP, BACnet/IP): read a
 * gateway's points, write a value at a priority, relinquish it, and say whether the network answers.
 * Everything above this interface (polling, registrations, the command loop) is protocol-neutral.
 */

/** BACnet command priorities run 1 (manual life safety) to 16 (lowest); Modbus gateways emulate them. */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 16;

/** One point's value as read from the device, or why it could not be read. */
export type PointRead =
  | { readonly pointId: string; readonly ok: true; readonly value: number; readonly at: Date }
  | {
      readonly pointId: string;
      readonly ok: false;
      /** Machine-readable: `timeout`, `exception` (a Modbus exception or a BACnet error), `disconnected`, `decode`. */
      readonly code: GatewayErrorCode;
      /** What the device or the network said, e.g. `Modbus exception 2 (illegal data address)`. */
      readonly message: string;
      readonly at: Date;
    };

export type GatewayErrorCode = 'timeout' | 'exception' | 'disconnected' | 'decode' | 'not_writable';

/** Whether the device network answers, for `eaio gateway` health and for failing closed. */
export interface GatewayHealth {
  readonly connected: boolean;
  /** When the last read or write succeeded; null before the first. */
  readonly lastSuccessAt: Date | null;
  /** The last error, null once a later call succeeded. */
  readonly lastError: string | null;
  /** Consecutive failed calls since the last success. */
  readonly consecutiveFailures: number;
}

/** A write or relinquish the device refused or never answered. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * One protocol's connection to a device network. Calls never throw for a single point's read failure
 * (it comes back as a failed {@link PointRead}); `write` and `relinquish` throw {@link GatewayError}.
 */
export interface Gateway {
  /** e.g. `modbus-gw:plant-1`, `bacnet-gw:site-3`: the `source` of every event the gateway produces. */
  readonly id: string;
  /** Opens the connection; resolves once the network answered or rejects with a GatewayError. */
  connect(): Promise<void>;
  /** Reads the present value of each point, grouping requests where the protocol allows. */
  read(pointIds: readonly string[]): Promise<readonly PointRead[]>;
  /**
   * Commands `value` at `priority` (1-16). The device (BACnet) or the gateway's emulated priority
   * array (Modbus) then holds the highest-priority active value; resolves when the device accepted it.
   */
  write(pointId: string, value: number, priority: number): Promise<void>;
  /** Releases `priority` (BACnet: writes NULL there); the point falls back to the next active priority or its relinquish default. */
  relinquish(pointId: string, priority: number): Promise<void>;
  /**
   * Present-value changes pushed by the device (BACnet COV); gateways without push return a no-op
   * unsubscribe and are polled instead.
   */
  subscribe(pointIds: readonly string[], onValue: (read: PointRead) => void): Promise<() => Promise<void>>;
  health(): GatewayHealth;
  close(): Promise<void>;
}
