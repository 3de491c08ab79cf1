import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type bacnetModule from '@bacnet-js/client';
import { AbortReason, DEFAULT_BACNET_PORT, ErrorClass, ErrorCode, RejectReason } from '@bacnet-js/client';
import type { GatewayErrorCode } from '../gateway.ts';

/**
 * One place that opens a BACnet/IP socket with @bacnet-js/client, and turns its errors into the
 * gateway's codes.
 */

// The package is CommonJS with `exports.default = BACnetClient`. A default import is the whole
// module object under Node's ESM loader (and TypeScript's NodeNext) but the class itself under
// vitest's interop; require() returns module.exports everywhere, so the class is always `.default`.
const require = createRequire(import.meta.url);
const { default: BACnetClient } = require('@bacnet-js/client') as typeof bacnetModule;

export type BacnetClient = InstanceType<typeof BACnetClient>;

/**
 * The library's own transport binds `port || 47808`, so it cannot take an ephemeral port (0): tests
 * and a gateway beside another BACnet application on one host need one. This transport keeps the
 * library's contract (events `message`/`listening`/`error`/`close`, `send`, `open`, `close`) and the way
 * it names senders (`host` on the standard port, `host:port` otherwise).
 */
class UdpTransport extends EventEmitter {
  private readonly socket: Socket;
  constructor(
    private readonly localAddress: string,
    private readonly localPort: number,
    private readonly broadcastAddress: string,
  ) {
    super();
    this.socket = createSocket({ type: 'udp4', reuseAddr: false });
    this.socket.on('message', (msg, rinfo) => {
      this.emit(
        'message',
        msg,
        rinfo.port === DEFAULT_BACNET_PORT ? rinfo.address : `${rinfo.address}:${rinfo.port}`,
      );
    });
    this.socket.on('listening', () => this.emit('listening', this.socket.address()));
    this.socket.on('error', (err) => this.emit('error', err));
    this.socket.on('close', () => this.emit('close'));
  }
  getBroadcastAddress(): string {
    return this.broadcastAddress;
  }
  getMaxPayload(): number {
    return 1482;
  }
  send(buffer: Buffer, offset: number, receiver?: string): void {
    const [host, port] = (receiver ?? this.broadcastAddress).split(':');
    try {
      this.socket.send(buffer, 0, offset, Number(port) || DEFAULT_BACNET_PORT, host, (err) => {
        // A send to an unreachable host fails here, not at the caller: the request then times out.
        if (err) this.emit('error', err);
      });
    } catch (err) {
      // A send on a closed socket throws at once; the library's caller would see an unrelated crash.
      this.emit('error', err instanceof Error ? err : new Error(String(err)));
    }
  }
  open(): void {
    this.socket.bind(this.localPort, this.localAddress, () => this.socket.setBroadcast(true));
  }
  close(): void {
    try {
      this.socket.close();
    } catch {
      // Already closed (e.g. the bind failed): nothing left to release.
    }
  }
  port(): number {
    return this.socket.address().port;
  }
}

export interface OpenClientOptions {
  readonly localAddress: string;
  /** 0 for an ephemeral port. */
  readonly localPort: number;
  readonly timeoutMs: number;
  /** Where a Who-Is without a target goes, `host:port`. */
  readonly broadcastAddress?: string;
  /** Errors of the socket after it is bound (a bind error rejects instead). */
  readonly onError?: (err: Error) => void;
}

export interface OpenClient {
  readonly client: BacnetClient;
  /** The bound local port (useful when 0 was asked). */
  readonly port: number;
  close(): Promise<void>;
}

/** Binds a socket and resolves once it listens, or rejects with the bind error (e.g. EADDRINUSE). */
export async function openBacnetClient(options: OpenClientOptions): Promise<OpenClient> {
  const transport = new UdpTransport(
    options.localAddress,
    options.localPort,
    options.broadcastAddress ?? `255.255.255.255:${DEFAULT_BACNET_PORT}`,
  );
  const closed = new Promise<void>((resolve) => transport.once('close', resolve));
  const listening = new Promise<void>((resolve, reject) => {
    transport.once('listening', () => resolve());
    transport.once('error', reject);
  });
  const client = new BACnetClient({ transport, apduTimeout: options.timeoutMs });
  // An 'error' event without a listener would crash the process: always listen.
  client.on('error', (err) => options.onError?.(err));
  try {
    await listening;
  } catch (err) {
    client.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    client,
    port: transport.port(),
    close: () => {
      closing ??= (async () => {
        client.close();
        await closed;
      })();
      return closing;
    },
  };
}

/** A BACnet failure as the gateway reports it. */
export interface BacnetFailure {
  readonly code: GatewayErrorCode;
  readonly message: string;
  /** Set for BACnet Error PDUs and per-property errors. */
  readonly errorClass?: string;
  readonly errorCode?: string;
}

const kebab = (name: string | undefined, fallback: string): string =>
  name === undefined ? fallback : name.toLowerCase().replaceAll('_', '-');

/** `object`/`unknown-object` for ErrorClass.OBJECT / ErrorCode.UNKNOWN_OBJECT. */
export function describeBacnetError(errorClass: number, errorCode: number): BacnetFailure {
  const cls = kebab(ErrorClass[errorClass], `class-${errorClass}`);
  const code = kebab(ErrorCode[errorCode], `code-${errorCode}`);
  return {
    code: 'exception',
    message: `BACnet error ${cls}/${code} (class ${errorClass}, code ${errorCode})`,
    errorClass: cls,
    errorCode: code,
  };
}

/** Reads the library's stringly errors (`ERR_TIMEOUT`, `BacnetError - Class:1 - Code:31`, `BacnetAbort - Reason:9`). */
export function classifyBacnetError(err: unknown): BacnetFailure {
  const text = err instanceof Error ? err.message : String(err);
  if (text === 'ERR_TIMEOUT')
    return { code: 'timeout', message: 'the device did not answer within the APDU timeout' };
  if (text === 'ERR_CLOSED') return { code: 'disconnected', message: 'the gateway socket is closed' };
  const error = /BacnetError - Class:(\d+) - Code:(\d+)/.exec(text);
  if (error) return describeBacnetError(Number(error[1]), Number(error[2]));
  const abort = /BacnetAbort - Reason:(\d+)/.exec(text);
  if (abort) {
    // The library decodes Reject PDUs as aborts, so the reason number is read both ways.
    const reason = Number(abort[1]);
    const names = `abort: ${kebab(AbortReason[reason], '?')}, reject: ${kebab(RejectReason[reason], '?')}`;
    return {
      code: 'exception',
      message: `BACnet abort/reject, reason ${reason} (${names})`,
      errorClass: 'abort',
    };
  }
  if (text === 'INVALID_DECODING') return { code: 'decode', message: 'the answer could not be decoded' };
  return { code: 'exception', message: text };
}
