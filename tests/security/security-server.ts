import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpRequestContext, McpServerFactory } from '@modelcontextprotocol/server';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createLogger } from '../../infra/logging/index.ts';
import {
  createMcpServerFactory,
  type FinishedToolCall,
  type McpReads,
  type RunningMcpHttpServer,
  startMcpHttpServer,
  ToolRefusal,
} from '../../mcp-adapter/index.ts';
import { signTestToken, TEST_AUDIENCE, TEST_ISSUER, type TestClaims } from '../support/test-auth.ts';

/**
 * The server every file of the security suite attacks: the real HTTP transport (`startMcpHttpServer`,
 * as `eaio mcp` runs it: bearer gate, Host/Origin checks, body limit) and the real tool registration
 * (`createMcpServerFactory`: scopes, tenants, audit), over a query layer that is a spy. Nothing here
 * needs Kafka or PostgreSQL: what is under attack is the adapter, and a spy can say that a refused
 * request read nothing, which a real store could not.
 */

/** Marks a tool answer whose `handle` got past every check and reached a read or a port. */
export const EXECUTED = 'EXECUTED';

/** Buildings the spy knows, and their tenants: enough for the tenant checks to run for real. */
export const BUILDING_TENANTS: Readonly<Record<string, string>> = { B_T1: 't1', B_T2: 't2' };

/** What one request did below the transport. */
export interface Observed {
  /** Server instances the SDK built: one per request that passed the transport's checks. */
  factoryCalls: number;
  /** Query-layer and port calls other than the tenant lookup, by path (`pipeline.redrive`, ...). */
  reads: string[];
  /** Tenant lookups (`buildingTenant`), which every building tool makes before anything else. */
  tenantLookups: string[];
  /** Every tool call the audit trail was given. */
  audited: FinishedToolCall[];
}

export interface SecurityServer {
  readonly mcp: RunningMcpHttpServer;
  readonly observed: Observed;
  /** Forgets what was observed, before the next attack. */
  reset(): void;
  /** A token signed by the trusted RS256 key (kid `rsa-1`); by default an admin of every tenant. */
  token(claims?: TestClaims): Promise<string>;
  /** A token signed by the trusted ES256 key (kid `ec-1`). */
  ecToken(claims?: TestClaims): Promise<string>;
  /** The trusted public keys as the JWKS serves them. */
  readonly publicJwks: { readonly rsa: JWK; readonly ec: JWK };
  readonly publicKeys: { readonly rsa: CryptoKey; readonly ec: CryptoKey };
  readonly privateKeys: { readonly rsa: CryptoKey; readonly ec: CryptoKey };
  close(): Promise<void>;
}

/**
 * A query layer whose every method records its call and then refuses with {@link EXECUTED}, except
 * `buildingTenant`, which answers from {@link BUILDING_TENANTS}; ports (`pipeline`, `control`,
 * `promotions`) are the same spy one level down. `answers` overrides methods with real answers.
 */
export function spyReads(observed: Observed, answers: Partial<Record<string, unknown>> = {}): McpReads {
  const node = (path: string): unknown =>
    new Proxy(() => undefined, {
      get(_target, key) {
        if (typeof key !== 'string' || key === 'then') return undefined;
        return node(path === '' ? key : `${path}.${key}`);
      },
      apply() {
        observed.reads.push(path);
        throw new ToolRefusal(`${EXECUTED} ${path}`);
      },
    });
  return new Proxy({} as McpReads, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      if (key === 'buildingTenant')
        return async (buildingId: string) => {
          observed.tenantLookups.push(buildingId);
          return BUILDING_TENANTS[buildingId];
        };
      if (key in answers) {
        const answer = answers[key];
        return typeof answer === 'function'
          ? (...args: unknown[]) => {
              observed.reads.push(key);
              return (answer as (...a: unknown[]) => unknown)(...args);
            }
          : answer;
      }
      return node(key);
    },
  });
}

export interface SecurityServerOptions {
  /** Real answers for some query-layer methods (see {@link spyReads}). */
  readonly answers?: Partial<Record<string, unknown>>;
  readonly maxRequestBodyBytes?: number;
}

/**
 * Starts the attacked server on 127.0.0.1 with JWT auth against a local JWKS (an RSA and an EC key,
 * as an identity provider publishes them), issuer {@link TEST_ISSUER} and resource {@link TEST_AUDIENCE}.
 */
export async function startSecurityServer(options: SecurityServerOptions = {}): Promise<SecurityServer> {
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const publicJwks = {
    rsa: { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    ec: { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  };
  const jwks: Server = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: [publicJwks.rsa, publicJwks.ec] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksPort = (jwks.address() as AddressInfo).port;

  const observed: Observed = { factoryCalls: 0, reads: [], tenantLookups: [], audited: [] };
  const inner = createMcpServerFactory(spyReads(observed, options.answers), {
    audit: {
      async record(call) {
        observed.audited.push(call);
      },
    },
  });
  const factory: McpServerFactory = (context: McpRequestContext) => {
    observed.factoryCalls += 1;
    return inner(context);
  };
  const mcp = await startMcpHttpServer({
    host: '127.0.0.1',
    port: 0,
    factory,
    logger: createLogger({ level: 'silent', component: 'test:security' }),
    auth: {
      mode: 'jwt',
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['RS256', 'ES256'],
      clockToleranceSeconds: 5,
      // No cooldown: the unknown-kid attack must make the server look the key up, not hit a cache.
      keys: { kind: 'jwks', url: new URL(`http://127.0.0.1:${jwksPort}/jwks.json`), cooldownMs: 0 },
    },
    ...(options.maxRequestBodyBytes === undefined
      ? {}
      : { maxRequestBodyBytes: options.maxRequestBodyBytes }),
  });
  return {
    mcp,
    observed,
    reset() {
      observed.factoryCalls = 0;
      observed.reads.length = 0;
      observed.tenantLookups.length = 0;
      observed.audited.length = 0;
    },
    token: (claims) => signTestToken(rsa.privateKey, claims, { alg: 'RS256', kid: 'rsa-1' }),
    ecToken: (claims) => signTestToken(ec.privateKey, claims, { alg: 'ES256', kid: 'ec-1' }),
    publicJwks,
    publicKeys: { rsa: rsa.publicKey, ec: ec.publicKey },
    privateKeys: { rsa: rsa.privateKey, ec: ec.privateKey },
    async close() {
      await mcp.close();
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
    },
  };
}

/** A JSON-RPC `tools/call` request. */
export const toolCall = (name: string, args: Record<string, unknown>, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

export const listTools = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

/** Headers of a Streamable HTTP POST, with the token when given. */
export function mcpHeaders(
  token: string | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...extra,
  };
}

/** POSTs `body` (JSON, or a string as is) to the MCP endpoint. */
export function post(
  url: string,
  token: string | undefined,
  body: unknown,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: mcpHeaders(token, extra),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A JSON-RPC response, whether the server answered plain JSON or one SSE event. */
export interface RpcAnswer {
  readonly result?: {
    readonly isError?: boolean;
    readonly content?: readonly { readonly type: string; readonly text?: string }[];
    readonly structuredContent?: Record<string, unknown>;
    readonly tools?: readonly { readonly name: string }[];
  };
  readonly error?: { readonly code: number; readonly message: string };
}

export async function rpcOf(response: Response): Promise<RpcAnswer> {
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream'))
    return JSON.parse(text) as RpcAnswer;
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RpcAnswer & { id?: unknown })
    .find((message) => message.id !== undefined);
  if (data === undefined) throw new Error(`no JSON-RPC response in the event stream: ${text.slice(0, 200)}`);
  return data;
}

/** The text of a tool result (its content blocks joined). */
export const resultText = (answer: RpcAnswer) =>
  (answer.result?.content ?? []).map((c) => c.text ?? '').join('\n');

/** `WWW-Authenticate: Bearer ...` auth-params as a map; undefined when the header is absent or not Bearer. */
export function bearerChallenge(response: Response): Record<string, string> | undefined {
  const header = response.headers.get('www-authenticate');
  if (header === null || !header.startsWith('Bearer ')) return undefined;
  return Object.fromEntries([...header.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
}

/** A raw HTTP/1.1 POST with headers fetch refuses to set (`Host`) or leaves out; status and body. */
export function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: Number(port), path: '/mcp', method: 'POST', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
