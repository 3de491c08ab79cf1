import ModbusSerial from 'modbus-serial';
import { GatewayError, type GatewayHealth } from '../gateway.ts';
import { toGatewayError } from './errors.ts';

/** Where to connect and how patiently. */
export interface ModbusConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly reconnect: { readonly initialMs: number; readonly maxMs: number };
  /** Called after a connection was re-established (not after the first): the gateway re-asserts its commands. */
  readonly onReconnected?: () => void;
}

/** The modbus-serial client one call runs against (its unit id already set). */
export type ModbusClient = InstanceType<typeof ModbusRTU>;

// The package is CommonJS: its module object is the client class, typed as `default` (which it also is at run time).
const ModbusRTU = ModbusSerial.default;

/**
 * One TCP connection to a Modbus server, shared by every call of a gateway:
 * - calls run one at a time (modbus-serial matches answers to requests but its unit id and
 *   timeout are client-wide state, and many devices answer one transaction at a time anyway);
 * - a dropped connection, or a request that timed out (its answer may still arrive and be taken
 *   for the next one's), closes the socket and reconnects in the background with exponential
 *   back-off, reset by the next answered request; calls made meanwhile fail at once with
 *   `disconnected` rather than queueing;
 * - health counts each request: a success resets the failures, any failure adds one.
 */
export class ModbusConnection {
  private client: ModbusClient | null = null;
  /** Rejects when the current client's socket closes, so a call in flight fails then, not at its timeout. */
  private clientClosed: Promise<never> = new Promise(() => undefined);
  private queue: Promise<unknown> = Promise.resolve();
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** The connection attempt under way: connect() and the reconnect timer share it rather than open two sockets. */
  private opening: Promise<void> | null = null;
  private nextDelayMs: number;
  private closed = false;
  private lastSuccessAt: Date | null = null;
  private lastError: string | null = null;
  private consecutiveFailures = 0;
  private everConnected = false;

  constructor(private readonly options: ModbusConnectionOptions) {
    this.nextDelayMs = options.reconnect.initialMs;
  }

  /** Opens the connection; rejects with `disconnected` (and keeps retrying in the background). */
  async connect(): Promise<void> {
    if (this.closed) throw new GatewayError('disconnected', 'the gateway is closed');
    if (this.client !== null) return;
    this.cancelReconnect();
    try {
      await this.open();
    } catch (error) {
      const failure = toGatewayError(error, `connect to ${this.address()}`);
      this.recordFailure(failure);
      this.scheduleReconnect();
      throw failure;
    }
  }

  /**
   * Runs `call` alone on the connection with unit `unitId`. Rejects with a GatewayError; a timeout
   * or a socket error also drops the connection and starts reconnecting.
   */
  run<T>(unitId: number, what: string, call: (client: ModbusClient) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      const client = this.client;
      if (client === null) {
        const failure = new GatewayError(
          'disconnected',
          `${what}: not connected to ${this.address()}${this.lastError ? ` (last error: ${this.lastError})` : ''}`,
        );
        this.consecutiveFailures++;
        throw failure;
      }
      client.setID(unitId);
      try {
        const value = await Promise.race([call(client), this.clientClosed]);
        this.recordSuccess();
        return value;
      } catch (error) {
        const failure = toGatewayError(error, what);
        this.recordFailure(failure);
        if (failure.code === 'timeout' || failure.code === 'disconnected') this.drop(client);
        throw failure;
      }
    });
    // The queue continues whatever one call did.
    this.queue = result.catch(() => undefined);
    return result;
  }

  health(): GatewayHealth {
    return {
      connected: this.client !== null,
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelReconnect();
    await this.queue;
    // An attempt under way sees `closed` and closes its own socket.
    await this.opening?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    if (client !== null) await closeClient(client);
  }

  private open(): Promise<void> {
    this.opening ??= this.openOnce().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    if (this.client !== null) return;
    const client = new ModbusRTU();
    // modbus-serial re-emits socket errors; unheard, an 'error' event would end the process.
    client.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connectTCP(this.options.host, { port: this.options.port }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new GatewayError('timeout', `connect to ${this.address()}: no answer in time`)),
            this.options.timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      await closeClient(client);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) {
      await closeClient(client);
      throw new GatewayError('disconnected', 'the gateway is closed');
    }
    client.setTimeout(this.options.timeoutMs);
    let signalClosed: (error: GatewayError) => void = () => undefined;
    this.clientClosed = new Promise<never>((_, reject) => {
      signalClosed = reject;
    });
    // Observed by the call in flight, if any; otherwise nobody waits for it.
    this.clientClosed.catch(() => undefined);
    client.on('close', () => {
      signalClosed(new GatewayError('disconnected', `connection to ${this.address()} closed`));
      if (this.client === client) {
        this.client = null;
        this.lastError = `connection to ${this.address()} closed`;
        this.scheduleReconnect();
      }
    });
    this.client = client;
    if (this.everConnected) this.options.onReconnected?.();
    this.everConnected = true;
  }

  private drop(client: ModbusClient): void {
    if (this.client !== client) return;
    this.client = null;
    void closeClient(client);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== null || this.client !== null) return;
    const delay = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.nextDelayMs * 2, this.options.reconnect.maxMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().catch((error: unknown) => {
        this.recordFailure(toGatewayError(error, `reconnect to ${this.address()}`));
        this.scheduleReconnect();
      });
    }, delay);
    // Reconnecting alone must not keep a process alive that has nothing else to do.
    this.reconnectTimer.unref();
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private recordSuccess(): void {
    // Only an answered request resets the back-off: a device that accepts connections but never
    // answers must not be reconnected to at the initial rate forever.
    this.nextDelayMs = this.options.reconnect.initialMs;
    this.lastSuccessAt = new Date();
    this.lastError = null;
    this.consecutiveFailures = 0;
  }

  private recordFailure(failure: GatewayError): void {
    this.lastError = failure.message;
    this.consecutiveFailures++;
  }

  private address(): string {
    return `${this.options.host}:${this.options.port}`;
  }
}

function closeClient(client: ModbusClient): Promise<void> {
  return new Promise((resolve) => {
    try {
      client.close(() => resolve());
    } catch {
      resolve();
    }
    // A port that never opened may not call back.
    setTimeout(resolve, 200).unref();
  });
}
