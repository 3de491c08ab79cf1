import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  createMcpHandler,
  getOAuthProtectedResourceMetadataUrl,
  type McpServerFactory,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { TokenAlgorithm } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import { createJwtVerifier, type TokenKeys } from '../identity/index.ts';
import type { HttpRequestLimiter } from '../limits/index.ts';
import { allowedNames, isLoopback, urlHost } from './allowed-names.ts';
import { createBearerGate } from './bearer-gate.ts';
import { protectedResourceMetadata, protectedResourceMetadataPaths } from './protected-resource-metadata.ts';
import { createRequestDrain } from './request-drain.ts';

/** How HTTP callers are identified. */
export type McpHttpAuth =
  | {
      /** Every request carries a bearer JWT, verified before anything else is read. */
      readonly mode: 'jwt';
      readonly issuer: string;
      /** This server's resource URI (tokens' `aud`); derived from the bound address when absent. */
      readonly audience?: string;
      readonly algorithms: readonly TokenAlgorithm[];
      readonly clockToleranceSeconds?: number;
      readonly keys: TokenKeys;
    }
  | {
      /** No token: every caller is the factory's local principal. Refused unless bound to loopback. */
      readonly mode: 'none';
    };

export interface McpHttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly factory: McpServerFactory;
  readonly logger: Logger;
  readonly auth: McpHttpAuth;
  /** Host header names accepted besides loopback names (on a loopback bind) and the resource URI's host. */
  readonly allowedHosts?: readonly string[];
  /** Origin hostnames accepted besides loopback names (on a loopback bind) and the resource URI's host. */
  readonly allowedOrigins?: readonly string[];
  /** Largest request body read; a larger one is answered 413. 1 MiB by default. */
  readonly maxRequestBodyBytes?: number;
  /** How long `close()` waits for requests in flight. 10 s by default. */
  readonly shutdownGraceMs?: number;
  /** The session limit, checked once the caller is known: over it, 429 with `Retry-After`. */
  readonly requestLimiter?: HttpRequestLimiter;
  /** Where `subscriptions/listen` streams hear of changes (the Redis-backed bus); in-process by default. */
  readonly bus?: ServerEventBus;
}

export interface RunningMcpHttpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:3000/mcp. */
  readonly url: string;
  /** The resource URI tokens must be issued for (their `aud`); undefined when auth is off. */
  readonly resource: string | undefined;
  /** Where the RFC 9728 metadata document is served; undefined when auth is off. */
  readonly resourceMetadataUrl: string | undefined;
  /** Stops taking requests, lets those in flight finish (bounded by the grace), then closes. */
  close(): Promise<void>;
}

const MCP_PATH = '/mcp';

/**
 * The resource URI of a server bound to `host:port` when `mcp.auth.audience` is not set: its MCP
 * endpoint URL, `http://127.0.0.1:3000/mcp` by default.
 */
export function defaultResourceUri(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}${MCP_PATH}`;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(await response.text());
}

/** What a server that asks for tokens serves about them, for its resource URI. */
function bearerIdentity(auth: Extract<McpHttpAuth, { mode: 'jwt' }>, resource: URL, logger: Logger) {
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(resource);
  const verifier = createJwtVerifier({
    issuer: auth.issuer,
    audience: resource.href,
    algorithms: auth.algorithms,
    ...(auth.clockToleranceSeconds === undefined
      ? {}
      : { clockToleranceSeconds: auth.clockToleranceSeconds }),
    keys: auth.keys,
  });
  return {
    resource,
    resourceMetadataUrl,
    metadata: protectedResourceMetadata(resource, auth.issuer),
    metadataPaths: new Set(protectedResourceMetadataPaths(resource)),
    gate: createBearerGate({ verifier, resource, resourceMetadataUrl, logger }),
  };
}

function refuseStart(message: string): EaioError {
  return new EaioError('CONFIG_INVALID', 'permanent', message);
}

/**
 * Serves MCP Streamable HTTP on `/mcp`, statelessly (a server instance per request, built for the
 * request's principal). By default every request needs a bearer JWT, on loopback too: a local page or
 * a DNS-rebinding attack is a caller like any other. The token is verified from the headers before the
 * body is read and removed from the request before it is served, so nothing downstream can forward
 * it. `/.well-known/oauth-protected-resource[/mcp]` serves the RFC 9728 metadata the 401 challenges
 * name. Host and Origin are checked on every request (DNS-rebinding protection); bodies are bounded;
 * `close()` drains calls in flight.
 */
export async function startMcpHttpServer(options: McpHttpServerOptions): Promise<RunningMcpHttpServer> {
  const { host, port, factory, logger, auth } = options;
  const loopback = isLoopback(host);
  if (auth.mode === 'none') {
    if (!loopback)
      throw refuseStart(
        `mcp.auth.mode=none is refused on ${host}: without tokens the server may only be bound to loopback (127.0.0.1, ::1, localhost)`,
      );
    logger.warn(
      { host },
      'MCP HTTP authentication is OFF (mcp.auth.mode=none): every local caller acts as the local principal',
    );
  } else if (!loopback && auth.audience === undefined) {
    throw refuseStart(
      `mcp.auth.audience must be set to the URL clients use (e.g. https://eaio.example.com/mcp) when the MCP server binds ${host}`,
    );
  }
  const maxRequestBodySize = options.maxRequestBodyBytes ?? 1_048_576;
  const handler = createMcpHandler(factory, {
    ...(options.bus === undefined ? {} : { bus: options.bus }),
    maxRequestBodySize,
    onerror: (error) => logger.warn({ err: error }, 'mcp request failed'),
  });
  const serve = toNodeHandler(handler, {
    maxRequestBodySize,
    onerror: (error) => logger.error({ err: error }, 'mcp adapter failed'),
  });

  // Filled once the port is known: the derived resource URI contains it.
  let route: (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse) => Promise<void> = async (
    _req,
    res,
  ) => json(res, 503, { error: 'starting' });
  const inFlight = createRequestDrain(options.shutdownGraceMs ?? 10_000, logger);
  const server: Server = createServer((req, res) => {
    if (!inFlight.admit(req, res)) return;
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'mcp http request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = urlHost(address.address);
  const url = `http://${shownHost}:${address.port}${MCP_PATH}`;

  const identity =
    auth.mode === 'jwt'
      ? bearerIdentity(auth, new URL(auth.audience ?? defaultResourceUri(host, address.port)), logger)
      : undefined;
  const resource = identity?.resource;
  const names = allowedNames(host, resource, {
    hosts: options.allowedHosts,
    origins: options.allowedOrigins,
  });
  const checkHost = hostHeaderValidation(names.hosts);
  const checkOrigin = originValidation(names.origins);

  route = async (req, res) => {
    if (!checkHost(req, res)) return;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (identity?.metadataPaths.has(path)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        json(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
        return;
      }
      // Public by design (RFC 9728): how to get a token is what a caller without one needs.
      json(res, 200, identity.metadata, {
        'cache-control': 'max-age=300',
        'access-control-allow-origin': '*',
      });
      return;
    }
    if (path !== MCP_PATH) {
      json(res, 404, { error: `Not found; the MCP endpoint is ${MCP_PATH}` });
      return;
    }
    if (!checkOrigin(req, res)) return;
    if (identity !== undefined) {
      const verdict = await identity.gate(req.headers.authorization);
      if (verdict instanceof Response) {
        await writeResponse(res, verdict);
        return;
      }
      req.auth = verdict;
    }
    if (options.requestLimiter !== undefined && !(await options.requestLimiter(req, res))) return;
    // The SDK sees the verified principal, never the credential.
    delete req.headers.authorization;
    await serve(req, res);
  };
  logger.info(
    { url, auth: auth.mode, resource: resource?.href, maxRequestBodyBytes: maxRequestBodySize },
    'mcp http server listening',
  );

  return {
    url,
    resource: resource?.href,
    resourceMetadataUrl: identity?.resourceMetadataUrl,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await inFlight.drain();
      await handler.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
