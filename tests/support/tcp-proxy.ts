import net from 'node:net';

/** A loopback TCP proxy in front of a real service, which a test can cut off and restore. */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connections clients have opened to the proxy, cut off or not: what a circuit breaker should stop. */
  readonly connectionAttempts: number;
  /**
   * Resets every open connection (both sides) and, until {@link restore}, resets each new one as soon
   * as it is accepted: to its clients the service is down, the shared server keeps running.
   */
  cut(): void;
  /** Lets new connections through to the target again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`. */
export async function createTcpProxy(target: {
  readonly host: string;
  readonly port: number;
}): Promise<TcpProxy> {
  const pairs = new Set<readonly [net.Socket, net.Socket]>();
  let attempts = 0;
  let cutOff = false;

  const server = net.createServer((client) => {
    attempts++;
    if (cutOff) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  const cut = (): void => {
    cutOff = true;
    for (const [client, upstream] of [...pairs]) {
      // A reset, not a FIN: the client sees the connection fail, as when a server host dies.
      if (!client.destroyed) client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    host: '127.0.0.1',
    port: address.port,
    get connectionAttempts() {
      return attempts;
    },
    cut,
    restore() {
      cutOff = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
