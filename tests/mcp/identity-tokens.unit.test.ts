import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseTtl } from '../../app/commands/index.ts';
import { PRINCIPAL_ROLES, TOKEN_ALGORITHMS } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import { ALL_TENANTS, createJwtVerifier, grantOf, principalOf, ROLES } from '../../mcp-adapter/index.ts';
import { signTestToken, TEST_AUDIENCE, TEST_ISSUER, testAuth } from '../support/test-auth.ts';

function refusalOf(run: () => unknown): EaioError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EaioError);
    return error as EaioError;
  }
  throw new Error('expected a refusal');
}

describe('the claims of a token', () => {
  it('gives an admin without a tenant every tenant, and a role its scopes', () => {
    expect(grantOf({ sub: 'root', role: 'admin' })).toEqual({
      claims: { subject: 'root', role: 'admin', tenant: ALL_TENANTS },
      scopes: ['energy:read', 'weather:read', 'control:write', 'control:approve', 'admin'],
    });
    expect(grantOf({ sub: 'a', role: 'analyst', tenant: 't1' }).scopes).toEqual([
      'energy:read',
      'weather:read',
    ]);
  });

  it('narrows the role by `scope`, never widens it', () => {
    expect(
      grantOf({ sub: 'v', role: 'viewer', tenant: 't1', scope: 'energy:read weather:read admin' }).scopes,
    ).toEqual(['energy:read']);
    expect(grantOf({ sub: 'o', role: 'operator', tenant: 't1', scope: 'openid' }).scopes).toEqual([]);
  });

  it.each([
    [{ role: 'admin' }, /sub/],
    [{ sub: 'x', role: 'root' }, /role/],
    [{ sub: 'x', role: 'analyst' }, /tenant/],
    [{ sub: 'x', role: 'viewer', tenant: '*' }, /every tenant/],
    [{ sub: 'x', role: 'viewer', tenant: 7 }, /tenant/],
    [{ sub: 'x', role: 'admin', scope: ['admin'] }, /scope/],
  ])('refuses %j as TOKEN_INVALID with the reason', (payload, reason) => {
    const error = refusalOf(() => grantOf(payload));
    expect(error.code).toBe('TOKEN_INVALID');
    expect(String(error.context.reason)).toMatch(reason);
  });

  it("keeps the config's roles equal to the adapter's, and offers no symmetric or `none` algorithm", () => {
    expect([...PRINCIPAL_ROLES]).toEqual([...ROLES]);
    for (const alg of TOKEN_ALGORITHMS) expect(alg).not.toMatch(/^(HS|none)/i);
  });
});

describe('the JWT verifier', () => {
  it('refuses bad tokens with a typed TOKEN_INVALID naming the reason, and maps a good one to AuthInfo', async () => {
    const identity = await testAuth();
    if (identity.auth.mode !== 'jwt') throw new Error('test auth is jwt');
    const verifier = createJwtVerifier({ ...identity.auth, audience: TEST_AUDIENCE });
    const expired = await identity.token({ expiresIn: -600 });
    const error = await verifier.verify(expired).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EaioError);
    expect((error as EaioError).code).toBe('TOKEN_INVALID');
    expect((error as EaioError).context.reason).toBe('it has expired');

    const { privateKey } = await generateKeyPair('RS256');
    const rs = await signTestToken(privateKey, {}, { alg: 'RS256' });
    const mismatch = (await verifier.verify(rs).catch((e: unknown) => e)) as EaioError;
    expect(mismatch.code).toBe('TOKEN_INVALID');

    const auth = await verifier.verifyAccessToken(
      await identity.token({ sub: 'ana', role: 'analyst', tenant: 't1' }),
    );
    expect(auth.resource?.href).toBe(TEST_AUDIENCE);
    expect(auth.expiresAt).toBeGreaterThan(Date.now() / 1000);
    const who = principalOf(auth);
    expect(who).toMatchObject({ subject: 'ana', role: 'analyst', tenant: 't1' });
    expect([...who.scopes]).toEqual(['energy:read', 'weather:read']);
  });

  it('honours the clock tolerance on exp and nbf', async () => {
    const identity = await testAuth();
    if (identity.auth.mode !== 'jwt') throw new Error('test auth is jwt');
    const strict = createJwtVerifier({ ...identity.auth, audience: TEST_AUDIENCE, clockToleranceSeconds: 0 });
    const lenient = createJwtVerifier({
      ...identity.auth,
      audience: TEST_AUDIENCE,
      clockToleranceSeconds: 120,
    });
    const justExpired = await identity.token({ expiresIn: -60 });
    await expect(strict.verify(justExpired)).rejects.toThrow(/expired/);
    await expect(lenient.verify(justExpired)).resolves.toMatchObject({ claims: { subject: 'test-admin' } });
    const soon = await identity.token({ notBeforeIn: 60 });
    await expect(strict.verify(soon)).rejects.toThrow(/not valid yet/);
    await expect(lenient.verify(soon)).resolves.toBeDefined();
  });

  it('refuses a token whose issuer only differs by a trailing slash', async () => {
    const identity = await testAuth();
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('x')
      .setIssuer(`${TEST_ISSUER}/`)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('5m')
      .sign(identity.privateKey);
    if (identity.auth.mode !== 'jwt') throw new Error('test auth is jwt');
    await expect(
      createJwtVerifier({ ...identity.auth, audience: TEST_AUDIENCE }).verify(token),
    ).rejects.toThrow(/issuer/);
  });
});

describe('token lifetimes of `eaio token issue`', () => {
  it('reads seconds, minutes, hours and days up to 30 days', () => {
    expect(parseTtl('90')).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('30d')).toBe(30 * 86_400);
    for (const bad of ['31d', '0', '1w', '-1h', 'soon']) expect(() => parseTtl(bad)).toThrow(/--ttl/);
  });
});
