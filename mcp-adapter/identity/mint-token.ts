import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ALL_TENANTS, type Role } from '../access/index.ts';
import { LOCAL_KEY_ALGORITHM, type LocalSigningKey } from './local-signing-key.ts';
import { grantOf, type TokenGrant } from './token-claims.ts';

/** What a locally minted token says. */
export interface TokenRequest {
  readonly subject: string;
  readonly role: Role;
  /** The tenant; omitted (or `*`) only for an admin of every tenant. */
  readonly tenant?: string;
  /** Space-separated scopes narrowing the role's, or none for all the role grants. */
  readonly scope?: string;
  readonly ttlSeconds: number;
  readonly issuer: string;
  /** The resource URI of the server that will accept it. */
  readonly audience: string;
  /** Issue time; now by default. */
  readonly now?: Date;
}

/** A minted token and what it grants. */
export interface MintedToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly grant: TokenGrant;
}

/**
 * Signs an access token (RFC 9068 `at+jwt`) with the local key. Its claims go through the verifier's
 * own reading first, so a token the server would refuse (an analyst without a tenant, an unknown
 * role) is never minted: that throws `TOKEN_INVALID` with the reason.
 */
export async function mintToken(key: LocalSigningKey, request: TokenRequest): Promise<MintedToken> {
  const issuedAt = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const expiresAt = issuedAt + request.ttlSeconds;
  const claims: Record<string, string> = { role: request.role };
  if (request.tenant !== undefined && !(request.role === 'admin' && request.tenant === ALL_TENANTS))
    claims.tenant = request.tenant;
  if (request.scope !== undefined) claims.scope = request.scope;
  const grant = grantOf({ ...claims, sub: request.subject });
  const token = await new SignJWT({ ...claims, client_id: 'eaio-token-issue' })
    .setProtectedHeader({ alg: LOCAL_KEY_ALGORITHM, kid: key.kid, typ: 'at+jwt' })
    .setSubject(request.subject)
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(expiresAt)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { token, expiresAt: new Date(expiresAt * 1000), grant };
}
