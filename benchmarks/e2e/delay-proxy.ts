import net from 'node:net';

/** A loopback TCP proxy that holds every chunk `delayMs` before passing it on, both ways. */
export interface DelayProxy {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) in front of `target`. Each chunk is forwarded `delayMs`
 * after it arrived, in order (Node fires timers of one duration in the order they were set), so every
 * request-response round trip through it takes 2 × `delayMs` longer: a slow network to the service,
 * with the service itself untouched.
 */
export async function startDelayProxy(
  target: { readonly host: string; readonly port: number },
  delayMs: number,
): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const pair = [client, upstream] as const;
    for (const socket of pair) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk: Buffer) => {
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
        }, delayMs);
      });
      from.on('end', () => {
        setTimeout(() => {
          if (!to.destroyed) to.end();
        }, delayMs);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
