import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type DelayProxy, startDelayProxy } from '../../benchmarks/e2e/delay-proxy.ts';

describe('the delaying proxy in front of the sink', () => {
  let echo: net.Server | undefined;
  let proxy: DelayProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await new Promise<void>((resolve) => (echo === undefined ? resolve() : echo.close(() => resolve())));
  });

  it('passes every byte in order both ways, each way at least the delay late', async () => {
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo?.listen(0, '127.0.0.1', resolve));
    const { port } = echo.address() as net.AddressInfo;
    proxy = await startDelayProxy({ host: '127.0.0.1', port }, 40);

    const client = net.connect(proxy.port, proxy.host);
    await once(client, 'connect');
    let received = '';
    const expected = Array.from({ length: 50 }, (_, i) => `chunk-${i};`).join('');
    const started = performance.now();
    const firstByte = new Promise<number>((resolve) => client.once('data', () => resolve(performance.now())));
    const all = new Promise<void>((resolve) =>
      client.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        if (received.length >= expected.length) resolve();
      }),
    );
    for (let i = 0; i < 50; i++) client.write(`chunk-${i};`);
    // A round trip crosses the proxy twice: never sooner than twice the delay.
    expect((await firstByte) - started).toBeGreaterThanOrEqual(80 - 1);
    await all;
    expect(received).toBe(expected);
    client.destroy();
  });
});
