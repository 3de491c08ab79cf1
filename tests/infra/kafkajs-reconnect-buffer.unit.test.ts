import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.ts';

/**
 * kafkajs's broker connection as patched by `patches/kafkajs+2.2.4.patch`. A connection object is
 * reused across reconnects; unpatched, a socket cut in the middle of a response left that
 * response's first bytes buffered, and the next socket's responses were framed after them: read
 * as one huge response that never completes, or as a size under four bytes whose correlation id
 * read threw out of the socket's data handler and ended the process (R5 in docs/reliability.md:
 * the projector exited on ERR_BUFFER_OUT_OF_BOUNDS under a lossy network).
 */
const require = createRequire(import.meta.url);
const Connection = require('kafkajs/src/network/connection.js') as new (
  options: Record<string, unknown>,
) => KafkajsConnection;
const socketFactory = require('kafkajs/src/network/socketFactory.js') as () => unknown;

interface KafkajsConnection {
  connect(): Promise<boolean>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  requestQueue: { fulfillRequest(response: { correlationId: number }): void };
}

const quiet = {
  namespace: () => quiet,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** A response frame: size, then correlation id and a payload. */
function frame(correlationId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + payload.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, payload]);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('kafkajs connection across a reconnect (patched)', () => {
  it('frames the new socket from its first byte after a socket cut mid-response', async () => {
    const sockets: Socket[] = [];
    // Each socket is written to only once the client has it connected, so no reset races the connect.
    const server = createServer((socket) => {
      sockets.push(socket);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const { port } = server.address() as { port: number };

    const connection = new Connection({
      host: '127.0.0.1',
      port,
      logger: quiet,
      socketFactory: socketFactory(),
      requestTimeout: 5_000,
      connectionTimeout: 5_000,
    });
    const answered: number[] = [];
    connection.requestQueue.fulfillRequest = ({ correlationId }) => {
      answered.push(correlationId);
    };
    cleanups.push(() => connection.disconnect());

    await connection.connect();
    const first = await waitFor('the first socket accepted', async () => sockets[0]);
    // The first 12 of a 54-byte response, then a reset: the rest never comes.
    first.write(frame(1, Buffer.alloc(46)).subarray(0, 12), () => first.resetAndDestroy());
    await waitFor('the first socket cut', async () => (connection.isConnected() ? undefined : true));
    await connection.connect();
    const second = await waitFor('the second socket accepted', async () => sockets[1]);
    second.write(frame(7, Buffer.from('fine')));
    await waitFor('the second socket answered', async () => (answered.length > 0 ? true : undefined), {
      timeoutMs: 5_000,
    });
    expect(answered).toEqual([7]);
  });
});
