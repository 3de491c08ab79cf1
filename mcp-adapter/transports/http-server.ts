import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  localhostHostValidation,
  localhostOriginValidation,
  toNodeHandler,
} from '@modelcontextprotocol/node';
import { createMcpHandler, type McpServerFactory, type ServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from '../../infra/logging/index.ts';

export interface McpHttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly factory: McpServerFactory;
  readonly logger: Logger;
  /** Where `subscriptions/listen` streams hear of changes (the Redis-backed bus); in-process by default. */
  readonly bus?: ServerEventBus;
}

export interface RunningMcpHttpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:3000/mcp. */
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Serves MCP Streamable HTTP on `/mcp`. Bound to loopback by default; there, Host and Origin are
 * checked to stop DNS-rebinding attacks from a browser on the same machine.
 */
export async function startMcpHttpServer({
  host,
  port,
  factory,
  logger,
  bus,
}: McpHttpServerOptions): Promise<RunningMcpHttpServer> {
  const handler = createMcpHandler(factory, {
    ...(bus === undefined ? {} : { bus }),
    onerror: (error) => logger.warn({ err: error }, 'mcp request failed'),
  });
  const serve = toNodeHandler(handler, {
    onerror: (error) => logger.error({ err: error }, 'mcp adapter failed'),
  });
  const guards = LOOPBACK.has(host) ? [localhostHostValidation(), localhostOriginValidation()] : [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/mcp') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'Not found; the MCP endpoint is /mcp' }));
      return;
    }
    for (const guard of guards) if (!guard(req, res)) return;
    void serve(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/mcp`,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
