import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { type McpRequestContext, McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import { exportJWK, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inspectorHelp, tokenIssue } from '../../app/commands/index.ts';
import { loadConfig } from '../../infra/config/index.ts';
import { createLogger } from '../../infra/logging/index.ts';
import {
  createMcpServerFactory,
  type McpHttpAuth,
  type McpReads,
  type RunningMcpHttpServer,
  SCOPES,
  startMcpHttpServer,
  TOOL_NAMES,
  TOOLS,
  tokenKeysOf,
} from '../../mcp-adapter/index.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import {
  connectWithToken,
  signTestToken,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestAuth,
  testAuth,
} from '../support/test-auth.ts';
import { waitFor } from '../support/wait-for.ts';

const logger = createLogger({ level: 'silent', component: 'test:identity' });
// Listing tools reads nothing: the query layer is never called by these tests.
const factory = createMcpServerFactory({} as McpReads);

const toolsOfScopes = (...scopes: string[]) =>
  TOOLS.filter((t) => scopes.includes(t.scope))
    .map((t) => t.name)
    .sort();

async function post(
  url: string,
  token: string | undefined,
  body: unknown = listToolsBody,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const listToolsBody = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

/** `WWW-Authenticate` auth-params as a map. */
function challengeOf(response: Response): Record<string, string> {
  const header = response.headers.get('www-authenticate') ?? '';
  expect(header.startsWith('Bearer ')).toBe(true);
  return Object.fromEntries([...header.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
}

/** Posts tools/list to `url` with a forged `Host` header (fetch cannot set it); the status. */
function postWithHost(url: string, hostname: string, token: string): Promise<number> {
  const { port } = new URL(url);
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(port),
        path: '/mcp',
        method: 'POST',
        headers: {
          host: `${hostname}:${port}`,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(listToolsBody));
  });
}

async function start(auth: McpHttpAuth, serverFactory: McpServerFactory = factory, extra = {}) {
  return startMcpHttpServer({ host: '127.0.0.1', port: 0, factory: serverFactory, logger, auth, ...extra });
}

describe('bearer tokens over Streamable HTTP', () => {
  let identity: TestAuth;
  let mcp: RunningMcpHttpServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    identity = await testAuth();
    mcp = await start(identity.auth);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await mcp?.close();
  });

  it('answers a request without a token 401 with a challenge naming the metadata document and no error', async () => {
    const response = await post(mcp.url, undefined);
    expect(response.status).toBe(401);
    const challenge = challengeOf(response);
    expect(challenge.resource_metadata).toBe(
      'https://mcp.eaio.test/.well-known/oauth-protected-resource/mcp',
    );
    expect(challenge.error).toBeUndefined();
  });

  it('serves the RFC 9728 protected-resource metadata at its well-known path', async () => {
    const base = new URL(mcp.url);
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await fetch(new URL(path, base));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: TEST_AUDIENCE,
        authorization_servers: [TEST_ISSUER],
        scopes_supported: ['energy:read', 'weather:read', 'control:write', 'control:approve', 'admin'],
        bearer_methods_supported: ['header'],
        resource_name: 'EAIO Stream MCP server',
      });
    }
    expect(mcp.resource).toBe(TEST_AUDIENCE);
  });

  const refused: [string, (auth: TestAuth) => Promise<string>, RegExp][] = [
    ['expired', (a) => a.token({ expiresIn: -3600 }), /expired/],
    ['not yet valid', (a) => a.token({ notBeforeIn: 3600 }), /not valid yet/],
    ['without exp', (a) => a.token({ expiresIn: undefined }), /no expiry/],
    ['for another audience', (a) => a.token({ aud: 'https://other.example/mcp' }), /audience/],
    ['from another issuer', (a) => a.token({ iss: 'https://evil.example' }), /issuer/],
    [
      'unsigned (alg: none)',
      async () =>
        new UnsecuredJWT({ role: 'admin' })
          .setSubject('mallory')
          .setIssuer(TEST_ISSUER)
          .setAudience(TEST_AUDIENCE)
          .setExpirationTime('10m')
          .encode(),
      /algorithm 'none' is not allowed/,
    ],
    [
      'HS256-signed with the public key as secret (HS/RS confusion)',
      async (a) =>
        signTestToken(
          new TextEncoder().encode(JSON.stringify(a.publicJwk)),
          {},
          { alg: 'HS256', kid: 'test-key' },
        ),
      /algorithm 'HS256' is not allowed/,
    ],
    [
      'signed by another key',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return signTestToken(privateKey, {}, { alg: 'ES256', kid: 'test-key' });
      },
      /signature does not verify/,
    ],
    ['with an unknown role', (a) => a.token({ role: 'superuser' }), /role/],
    ['of an analyst without a tenant', (a) => a.token({ role: 'analyst', tenant: undefined }), /tenant/],
    ['of an analyst of every tenant', (a) => a.token({ role: 'analyst', tenant: '*' }), /every tenant/],
    ['malformed', async () => 'not.a.jwt', /malformed/],
  ];

  it.each(refused)('refuses a token %s: 401 invalid_token with the reason', async (_name, make, reason) => {
    const response = await post(mcp.url, await make(identity));
    expect(response.status).toBe(401);
    const challenge = challengeOf(response);
    expect(challenge.error).toBe('invalid_token');
    expect(challenge.error_description).toMatch(reason);
    expect(challenge.resource_metadata).toContain('/.well-known/oauth-protected-resource/mcp');
    expect(((await response.json()) as { error: string }).error).toBe('invalid_token');
  });

  it('refuses a valid token that grants none of the MCP scopes: 403 insufficient_scope', async () => {
    const response = await post(
      mcp.url,
      await identity.token({ role: 'analyst', tenant: 't1', scope: 'openid profile' }),
    );
    expect(response.status).toBe(403);
    const challenge = challengeOf(response);
    expect(challenge.error).toBe('insufficient_scope');
    expect(challenge.scope).toBe(SCOPES.energyRead);
  });

  it('lists an analyst exactly the tools of energy:read and weather:read', async () => {
    const client = await connectWithToken(mcp.url, await identity.token({ role: 'analyst', tenant: 't1' }));
    clients.push(client);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(toolsOfScopes(SCOPES.energyRead, SCOPES.weatherRead));
    expect(names).toContain(TOOL_NAMES.weatherImpact);
    expect(names.length).toBeLessThan(TOOLS.length + (TOOLS.some((t) => t.scope === 'admin') ? 0 : 1));
  });

  it('denies a viewer the weather tools: not listed, and a call is refused', async () => {
    const client = await connectWithToken(mcp.url, await identity.token({ role: 'viewer', tenant: 't1' }));
    clients.push(client);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(toolsOfScopes(SCOPES.energyRead));
    expect(names).not.toContain(TOOL_NAMES.weatherImpact);
    const call = client
      .callTool({
        name: TOOL_NAMES.weatherImpact,
        arguments: {
          buildingId: 'Office_Cristina',
          from: '2015-01-01T00:00:00Z',
          to: '2015-02-01T00:00:00Z',
        },
      })
      .then(
        (result) => ({ isError: result.isError === true, text: JSON.stringify(result.content) }),
        (error: unknown) => ({ isError: true, text: String(error) }),
      );
    const outcome = await call;
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toMatch(/weather_impact/);
  });

  it('narrows a role by the token scope claim', async () => {
    const client = await connectWithToken(
      mcp.url,
      await identity.token({ role: 'analyst', tenant: 't1', scope: 'weather:read' }),
    );
    clients.push(client);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(
      toolsOfScopes(SCOPES.weatherRead),
    );
  });

  it('refuses a request whose Host header is not this server (DNS rebinding), unless the host is allowed', async () => {
    const token = await identity.token();
    expect(await postWithHost(mcp.url, 'attacker.example', token)).toBe(403);
    expect(await postWithHost(mcp.url, 'localhost', token)).toBe(200);
    const origin = await fetch(mcp.url, {
      method: 'POST',
      headers: {
        origin: 'http://attacker.example',
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(listToolsBody),
    });
    expect(origin.status).toBe(403);
    const allowing = await start(identity.auth, factory, { allowedHosts: ['eaio.internal'] });
    try {
      expect(await postWithHost(allowing.url, 'eaio.internal', token)).toBe(200);
      expect(await postWithHost(allowing.url, 'attacker.example', token)).toBe(403);
    } finally {
      await allowing.close();
    }
  });
});

describe('what reaches the MCP server', () => {
  it('is the principal, never the token, and the body is bounded', async () => {
    const identity = await testAuth();
    const seen: { authorization: string | null | undefined; token: string | undefined; subject: unknown }[] =
      [];
    const spy: McpServerFactory = (context: McpRequestContext) => {
      seen.push({
        authorization: context.requestInfo?.headers.get('authorization'),
        token: context.authInfo?.token,
        subject: context.authInfo?.extra?.subject,
      });
      return factory(context);
    };
    const mcp = await start(identity.auth, spy, { maxRequestBodyBytes: 2048 });
    try {
      const token = await identity.token({ sub: 'alice', role: 'viewer', tenant: 't1' });
      expect((await post(mcp.url, token)).status).toBe(200);
      expect(seen.length).toBeGreaterThan(0);
      for (const s of seen) {
        expect(s.subject).toBe('alice');
        expect(s.authorization ?? null).toBeNull();
        expect(s.token).not.toContain(token.slice(0, 20));
      }
      const big = { ...listToolsBody, params: { _meta: { padding: 'x'.repeat(4096) } } };
      expect((await post(mcp.url, token, big)).status).toBe(413);
    } finally {
      await mcp.close();
    }
  });
});

describe('keys from a JWKS URL', () => {
  let jwksServer: Server;
  let keys: JWK[] = [];
  let fetches = 0;
  let mcp: RunningMcpHttpServer;

  const keyPair = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    return { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  };

  beforeAll(async () => {
    jwksServer = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    mcp = await start({
      mode: 'jwt',
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['RS256'],
      keys: { kind: 'jwks', url: new URL(`http://127.0.0.1:${port}/jwks.json`), cooldownMs: 0 },
    });
  });

  afterAll(async () => {
    await mcp?.close();
    await new Promise<void>((resolve) => jwksServer?.close(() => resolve()));
  });

  it('accepts tokens of the published key, and of a new key once the JWKS publishes it (rotation)', async () => {
    const first = await keyPair('k1');
    const second = await keyPair('k2');
    keys = [first.jwk];
    const sign = (k: typeof first) =>
      signTestToken(k.privateKey, { role: 'analyst', tenant: 't1' }, { alg: 'RS256', kid: k.kid });
    expect((await post(mcp.url, await sign(first))).status).toBe(200);
    expect((await post(mcp.url, await sign(first))).status).toBe(200);
    expect(fetches).toBe(1); // cached

    const early = await post(mcp.url, await sign(second));
    expect(early.status).toBe(401);
    expect(challengeOf(early).error_description).toMatch(/no trusted key/);

    keys = [first.jwk, second.jwk];
    expect((await post(mcp.url, await sign(second))).status).toBe(200);
    expect((await post(mcp.url, await sign(first))).status).toBe(200);
    expect(fetches).toBeGreaterThanOrEqual(3);
  });

  it('answers 503 when the identity provider cannot be reached, not 401', async () => {
    const closed = await start({
      mode: 'jwt',
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['RS256'],
      keys: { kind: 'jwks', url: new URL('http://127.0.0.1:1/jwks.json') },
    });
    try {
      const k = await keyPair('k3');
      const response = await post(
        closed.url,
        await signTestToken(k.privateKey, {}, { alg: 'RS256', kid: 'k3' }),
      );
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
    } finally {
      await closed.close();
    }
  });
});

describe('a configured PEM public key', () => {
  it('verifies RS256 tokens and refuses HS256 ones signed with the PEM as secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaio-pem-'));
    try {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const pemPath = join(dir, 'idp.pem');
      await import('node:fs/promises').then((fs) => fs.writeFile(pemPath, pem));
      const config = loadConfig({ EAIO_MCP_AUTH_PUBLIC_KEY: pemPath }, { cwd: dir });
      const mcp = await start({
        mode: 'jwt',
        issuer: TEST_ISSUER,
        audience: TEST_AUDIENCE,
        algorithms: ['RS256'],
        keys: await tokenKeysOf(config.mcp.auth, config.stateDir),
      });
      try {
        const good = await signTestToken(privateKey, { role: 'viewer', tenant: 't1' }, { alg: 'RS256' });
        expect((await post(mcp.url, good)).status).toBe(200);
        const confused = await new SignJWT({ role: 'admin' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('mallory')
          .setIssuer(TEST_ISSUER)
          .setAudience(TEST_AUDIENCE)
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(pem));
        const response = await post(mcp.url, confused);
        expect(response.status).toBe(401);
        expect(challengeOf(response).error_description).toMatch(/HS256/);
      } finally {
        await mcp.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('`eaio token issue`', () => {
  it('mints a token (local key, mode 0600) that the server trusting the local key accepts, as an analyst of its tenant', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaio-keys-'));
    const env = { EAIO_MCP_AUTH_LOCAL_KEY_DIR: dir, EAIO_MCP_AUTH_AUDIENCE: TEST_AUDIENCE };
    try {
      const issue = spawnEaio(
        ['token', 'issue', '--role', 'analyst', '--tenant', 't1', '--ttl', '1h', '--subject', 'ana'],
        env,
      );
      expect(await issue.exited(), issue.stderr()).toBe(0);
      // 'exit' can come before the last stdout chunk is read.
      await waitFor('the token on stdout', async () => (issue.stdout().endsWith('\n') ? true : undefined));
      const stdout = issue.stdout();
      const stderr = issue.stderr();
      const token = stdout.trim();
      expect(token.split('.')).toHaveLength(3);
      expect(stderr).toMatch(/role analyst, tenant t1/);
      const privateKey = await stat(join(dir, 'token-signing-key.private.jwk.json'));
      expect(privateKey.mode & 0o777).toBe(0o600);

      const config = loadConfig(env, { cwd: dir });
      const mcp = await start({
        mode: 'jwt',
        issuer: config.mcp.auth.issuer,
        audience: TEST_AUDIENCE,
        algorithms: config.mcp.auth.algorithms,
        keys: await tokenKeysOf(config.mcp.auth, config.stateDir),
      });
      try {
        const client = await connectWithToken(mcp.url, token);
        try {
          expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(
            toolsOfScopes(SCOPES.energyRead, SCOPES.weatherRead),
          );
        } finally {
          await client.close();
        }
      } finally {
        await mcp.close();
      }

      // Another token reuses the key rather than replacing it; a viewer needs a tenant.
      const admin = await tokenIssue(config, { role: 'admin', ttl: '5m' });
      expect(admin.grant.claims.tenant).toBe('*');
      expect((await stat(join(dir, 'token-signing-key.private.jwk.json'))).mtimeMs).toBe(privateKey.mtimeMs);
      await expect(tokenIssue(config, { role: 'viewer', ttl: '1h' })).rejects.toThrow(/--tenant/);
      await expect(tokenIssue(config, { role: 'viewer', tenant: 't1', ttl: '90d' })).rejects.toThrow(
        /30 days/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('`npm start` connection help', () => {
  it('prints an admin token for the derived resource URI that the running server accepts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eaio-start-keys-'));
    try {
      const config = loadConfig({ EAIO_MCP_AUTH_LOCAL_KEY_DIR: dir }, { cwd: dir });
      const mcp = await start({
        mode: 'jwt',
        issuer: config.mcp.auth.issuer,
        algorithms: config.mcp.auth.algorithms,
        keys: await tokenKeysOf(config.mcp.auth, config.stateDir),
      });
      try {
        expect(mcp.resource).toBe(mcp.url);
        const lines = await inspectorHelp(config, mcp);
        expect(lines.join('\n')).toContain(mcp.url);
        const token = /Authorization: +Bearer (\S+)/.exec(lines.join('\n'))?.[1];
        expect(token).toBeDefined();
        const client = await connectWithToken(mcp.url, token ?? '');
        try {
          expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
        } finally {
          await client.close();
        }
      } finally {
        await mcp.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('auth off and shutdown', () => {
  it('refuses mcp.auth.mode=none unless bound to loopback, and a non-loopback bind without an audience', async () => {
    await expect(
      startMcpHttpServer({ host: '0.0.0.0', port: 0, factory, logger, auth: { mode: 'none' } }),
    ).rejects.toThrow(/loopback/);
    const identity = await testAuth();
    const { audience: _derived, ...withoutAudience } = identity.auth as Extract<McpHttpAuth, { mode: 'jwt' }>;
    await expect(
      startMcpHttpServer({ host: '0.0.0.0', port: 0, factory, logger, auth: withoutAudience }),
    ).rejects.toThrow(/mcp.auth.audience/);
    const open = await start({ mode: 'none' });
    try {
      expect((await post(open.url, undefined)).status).toBe(200);
      expect(open.resourceMetadataUrl).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('lets a call in flight finish on close, refuses new ones, and stops waiting after the grace', async () => {
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: McpServerFactory = () => {
      const server = new McpServer({ name: 'slow', version: '1.0.0' });
      server.registerTool('slow', { description: 'waits', inputSchema: z.object({}) }, async () => {
        entered();
        await released;
        return { content: [{ type: 'text', text: 'done' }] };
      });
      return server;
    };
    const identity = await testAuth();
    const mcp = await start(identity.auth, slow, { shutdownGraceMs: 5_000 });
    const client = await connectWithToken(mcp.url, await identity.token());
    const call = client.callTool({ name: 'slow', arguments: {} });
    await inside;
    const closing = mcp.close();
    const refused = await post(mcp.url, await identity.token()).then(
      (r) => r.status,
      () => 'connection refused',
    );
    expect([503, 'connection refused']).toContain(refused);
    release();
    const result = await call;
    expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
    await closing;
    await client.close();

    let enteredAgain!: () => void;
    const insideAgain = new Promise<void>((resolve) => {
      enteredAgain = resolve;
    });
    const never = new Promise<void>(() => undefined);
    const neverFactory: McpServerFactory = () => {
      const server = new McpServer({ name: 'stuck', version: '1.0.0' });
      server.registerTool('stuck', { description: 'never ends', inputSchema: z.object({}) }, async () => {
        enteredAgain();
        await never;
        return { content: [] };
      });
      return server;
    };
    const hung = await start(identity.auth, neverFactory, { shutdownGraceMs: 200 });
    const hungClient = await connectWithToken(hung.url, await identity.token());
    const hungCall = hungClient.callTool({ name: 'stuck', arguments: {} }).catch((error: unknown) => error);
    await insideAgain;
    const started = performance.now();
    await hung.close();
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(await hungCall).toBeInstanceOf(Error);
    await hungClient.close().catch(() => undefined);
  });
});
