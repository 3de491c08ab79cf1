import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type KeyObject, SignJWT } from 'jose';
import type { McpHttpAuth } from '../../mcp-adapter/index.ts';

/** Issuer and audience of the test tokens; the server is told to expect exactly these. */
export const TEST_ISSUER = 'https://issuer.eaio.test';
export const TEST_AUDIENCE = 'https://mcp.eaio.test/mcp';

/** Claims of a test token; each may be overridden or removed (`undefined`). */
export interface TestClaims {
  readonly sub?: string | undefined;
  readonly role?: string | undefined;
  readonly tenant?: string | undefined;
  readonly scope?: string | undefined;
  readonly iss?: string | undefined;
  readonly aud?: string | undefined;
  /** Seconds from now; negative for an expired token. `undefined` leaves `exp` out. */
  readonly expiresIn?: number | undefined;
  /** Seconds from now the token becomes valid. */
  readonly notBeforeIn?: number | undefined;
}

export interface TestAuth {
  /** The HTTP server's `auth` option: JWTs from this test key pair (ES256). */
  readonly auth: McpHttpAuth;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** A signed token; by default an admin of every tenant, valid for 10 minutes. */
  token(claims?: TestClaims): Promise<string>;
}

/** Signs `claims` (defaults filled in) with `key` under `alg` and `kid`. */
export async function signTestToken(
  key: CryptoKey | KeyObject | Uint8Array,
  claims: TestClaims = {},
  header: { alg: string; kid?: string } = { alg: 'ES256' },
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const full: TestClaims = {
    sub: 'test-admin',
    role: 'admin',
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    expiresIn: 600,
    ...claims,
  };
  const payload: Record<string, unknown> = {};
  if (full.role !== undefined) payload.role = full.role;
  if (full.tenant !== undefined) payload.tenant = full.tenant;
  if (full.scope !== undefined) payload.scope = full.scope;
  const jwt = new SignJWT(payload).setProtectedHeader(header).setIssuedAt(now);
  if (full.sub !== undefined) jwt.setSubject(full.sub);
  if (full.iss !== undefined) jwt.setIssuer(full.iss);
  if (full.aud !== undefined) jwt.setAudience(full.aud);
  if (full.expiresIn !== undefined) jwt.setExpirationTime(now + full.expiresIn);
  if (full.notBeforeIn !== undefined) jwt.setNotBefore(now + full.notBeforeIn);
  return jwt.sign(key);
}

/** A fresh ES256 key pair the test server trusts, and tokens signed by it. */
export async function testAuth(): Promise<TestAuth> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'test-key' };
  return {
    auth: {
      mode: 'jwt',
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['ES256', 'RS256'],
      clockToleranceSeconds: 5,
      keys: { kind: 'public-key', key: publicJwk, source: 'test key pair' },
    },
    privateKey,
    publicJwk,
    token: (claims) => signTestToken(privateKey, claims, { alg: 'ES256', kid: 'test-key' }),
  };
}

/** An MCP client connected to `url` sending `Authorization: Bearer <token>` on every request. */
export async function connectWithToken(url: string, token: string, name = 'eaio-test'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}
