import { createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { signTestToken, TEST_AUDIENCE, TEST_ISSUER } from '../support/test-auth.ts';
import {
  bearerChallenge,
  EXECUTED,
  mcpHeaders,
  post,
  resultText,
  rpcOf,
  type SecurityServer,
  startSecurityServer,
  toolCall,
} from './security-server.ts';

/**
 * Forged and misissued bearer tokens against the HTTP transport. Each one carries an admin of every
 * tenant asking to re-drive dead letters for real, the most damaging call a token can make, so a
 * token that slipped through would show as a read of the pipeline port. Each must be answered 401
 * with an RFC 6750 challenge, and nothing below the bearer gate may run: no server instance, no
 * read, no audit record.
 */

const REDRIVE = toolCall(TOOL_NAMES.redriveDeadLetters, {
  ids: ['readings.dlq/0/0'],
  dryRun: false,
  confirm: true,
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The admin claims every forged token asks for. */
function adminPayload(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: 'mallory', role: 'admin', iss: TEST_ISSUER, aud: TEST_AUDIENCE, iat: now, exp: now + 600 };
}

/** A JWS with an empty signature and the given header: `alg: none` in its spellings. */
const unsigned = (header: Record<string, unknown>) => `${b64url(header)}.${b64url(adminPayload())}.`;

let server: SecurityServer;
/** Requests the attacker's own key server received: a `jku` the server followed would show here. */
let attackerFetches = 0;
let attackerKeys: Server;
let attackerJwksUrl: string;

beforeAll(async () => {
  server = await startSecurityServer();
  attackerKeys = createServer((_req, res) => {
    attackerFetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [] }));
  });
  await new Promise<void>((resolve) => attackerKeys.listen(0, '127.0.0.1', resolve));
  attackerJwksUrl = `http://127.0.0.1:${(attackerKeys.address() as AddressInfo).port}/jwks.json`;
});

afterAll(async () => {
  await server?.close();
  await new Promise<void>((resolve) => attackerKeys?.close(() => resolve()));
});

beforeEach(() => server.reset());

/** Asserts the request was refused at the gate: nothing built, read or audited. */
function expectNothingExecuted(): void {
  expect(server.observed.factoryCalls).toBe(0);
  expect(server.observed.reads).toEqual([]);
  expect(server.observed.tenantLookups).toEqual([]);
  expect(server.observed.audited).toEqual([]);
}

describe('a valid token (the control)', () => {
  it.each([
    ['RS256', () => server.token()],
    ['ES256', () => server.ecToken()],
  ])('signed %s by a published key reaches the tool, which reaches the pipeline port', async (_alg, make) => {
    const response = await post(server.mcp.url, await make(), REDRIVE);
    expect(response.status).toBe(200);
    expect(resultText(await rpcOf(response))).toContain(EXECUTED);
    expect(server.observed.factoryCalls).toBe(1);
    expect(server.observed.reads.length).toBeGreaterThan(0);
    expect(server.observed.audited.map((a) => a.tool)).toEqual([TOOL_NAMES.redriveDeadLetters]);
  });
});

type Forge = () => Promise<string>;

const attacks: [name: string, forge: Forge, reason: RegExp][] = [
  [
    'alg none (jose UnsecuredJWT)',
    async () =>
      new UnsecuredJWT({ role: 'admin' })
        .setSubject('mallory')
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setExpirationTime('10m')
        .encode(),
    /algorithm 'none' is not allowed/,
  ],
  ['alg None', async () => unsigned({ alg: 'None', typ: 'JWT' }), /algorithm 'None' is not allowed/],
  [
    'alg NONE naming a trusted kid',
    async () => unsigned({ alg: 'NONE', kid: 'rsa-1' }),
    /algorithm 'NONE' is not allowed/,
  ],
  [
    'HS256 with the RSA public key (PEM) as the HMAC secret',
    async () => {
      const pem = await exportSPKI(server.publicKeys.rsa);
      return signTestToken(new TextEncoder().encode(pem), {}, { alg: 'HS256', kid: 'rsa-1' });
    },
    /algorithm 'HS256' is not allowed/,
  ],
  [
    'HS256 with the RSA public JWK (JSON) as the HMAC secret',
    async () =>
      signTestToken(
        new TextEncoder().encode(JSON.stringify(server.publicJwks.rsa)),
        {},
        { alg: 'HS256', kid: 'rsa-1' },
      ),
    /algorithm 'HS256' is not allowed/,
  ],
  [
    'HS512 with the EC public key (PEM) as the HMAC secret',
    async () => {
      const pem = await exportSPKI(server.publicKeys.ec);
      return signTestToken(new TextEncoder().encode(pem), {}, { alg: 'HS512', kid: 'ec-1' });
    },
    /algorithm 'HS512' is not allowed/,
  ],
  ['for another audience', () => server.token({ aud: 'account' }), /audience/],
  [
    'for another resource server of the same issuer (RFC 8707)',
    () => server.token({ aud: 'https://other-mcp.eaio.test/mcp' }),
    /audience/,
  ],
  [
    "for this server's origin only, not its resource URI",
    () => server.token({ aud: 'https://mcp.eaio.test/' }),
    /audience/,
  ],
  ['from another issuer', () => server.token({ iss: 'https://evil.example' }), /issuer/],
  ['expired a minute ago', () => server.token({ expiresIn: -60 }), /expired/],
  ['without exp', () => server.token({ expiresIn: undefined }), /no expiry/],
  ['with nbf a minute ahead', () => server.token({ notBeforeIn: 60 }), /not valid yet/],
  [
    'with a bad signature (last signature bytes changed)',
    async () => {
      const token = await server.token();
      const tail = token.endsWith('AAAA') ? 'BBBB' : 'AAAA';
      return `${token.slice(0, -4)}${tail}`;
    },
    /signature does not verify/,
  ],
  [
    'with its payload raised to admin under the signature of a viewer token',
    async () => {
      const [header, , signature] = (await server.token({ role: 'viewer', tenant: 't1' })).split('.');
      return `${header}.${b64url(adminPayload())}.${signature}`;
    },
    /signature does not verify/,
  ],
  [
    'signed by another key under a trusted kid',
    async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return signTestToken(privateKey, {}, { alg: 'RS256', kid: 'rsa-1' });
    },
    /signature does not verify/,
  ],
  [
    'with an unknown kid',
    async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return signTestToken(privateKey, {}, { alg: 'RS256', kid: 'attacker-1' });
    },
    /no trusted key/,
  ],
  [
    "carrying the attacker's own key in its header (jwk)",
    async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      return signTestToken(privateKey, {}, { alg: 'ES256', jwk } as { alg: string });
    },
    /no trusted key|signature/,
  ],
  [
    "pointing at the attacker's key set (jku)",
    async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return signTestToken(privateKey, {}, {
        alg: 'RS256',
        kid: 'attacker-2',
        jku: attackerJwksUrl,
      } as { alg: string });
    },
    /no trusted key/,
  ],
];

describe('forged and misissued tokens', () => {
  it.each(attacks)(
    'refuses a token %s: 401 invalid_token, nothing executed',
    async (_name, forge, reason) => {
      const response = await post(server.mcp.url, await forge(), REDRIVE);
      expect(response.status).toBe(401);
      const challenge = bearerChallenge(response);
      expect(challenge?.error).toBe('invalid_token');
      expect(challenge?.error_description).toMatch(reason);
      expect(challenge?.resource_metadata).toBe(
        'https://mcp.eaio.test/.well-known/oauth-protected-resource/mcp',
      );
      expect(((await response.json()) as { error: string }).error).toBe('invalid_token');
      expectNothingExecuted();
    },
  );

  it('never fetches a key set a token points at (jku)', () => {
    // Runs after the jku attack above (same file, in order): the server only ever asks its own JWKS.
    expect(attackerFetches).toBe(0);
  });
});

describe('credentials not presented as a bearer header', () => {
  it.each([
    ['no Authorization header', undefined],
    ['an empty Authorization header', ''],
  ])('answers %s 401 with a challenge and no error code (RFC 6750 §3.1)', async (_name, authorization) => {
    const response = await fetch(server.mcp.url, {
      method: 'POST',
      headers: mcpHeaders(undefined, authorization === undefined ? {} : { authorization }),
      body: JSON.stringify(REDRIVE),
    });
    expect(response.status).toBe(401);
    const challenge = bearerChallenge(response);
    expect(challenge?.resource_metadata).toContain('/.well-known/oauth-protected-resource/mcp');
    expect(challenge?.error).toBeUndefined();
    expectNothingExecuted();
  });

  it('refuses a valid token sent as a query parameter (MCP forbids tokens in URIs)', async () => {
    const url = `${server.mcp.url}?access_token=${await server.token()}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: mcpHeaders(undefined),
      body: JSON.stringify(REDRIVE),
    });
    expect(response.status).toBe(401);
    expectNothingExecuted();
  });

  it.each([
    ['Basic', async () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['Token', async () => `Token ${await server.token()}`],
    ['Bearer without a token', async () => 'Bearer '],
  ])('refuses the %s scheme: 401 invalid_token, nothing executed', async (_name, header) => {
    const response = await fetch(server.mcp.url, {
      method: 'POST',
      headers: mcpHeaders(undefined, { authorization: await header() }),
      body: JSON.stringify(REDRIVE),
    });
    expect(response.status).toBe(401);
    expect(bearerChallenge(response)?.resource_metadata).toContain('oauth-protected-resource');
    expectNothingExecuted();
  });
});

describe('the public keys the attacks use', () => {
  it('are the ones the server trusts (so the confusion attacks above used the real key material)', async () => {
    const pem = await exportSPKI(server.publicKeys.rsa);
    expect(createPublicKey(pem).export({ format: 'jwk' }).n).toBe(server.publicJwks.rsa.n);
  });
});
