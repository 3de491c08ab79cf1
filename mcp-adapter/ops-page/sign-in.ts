import { type AuthInfo, OAuthError } from '@modelcontextprotocol/server';
import { ALL_TENANTS, holds, type Principal, principalOf, SCOPES } from '../access/index.ts';

/** The cookie that carries the signed-in user's bearer token (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'eaio_ops_token';

/** Verifies a bearer token as the MCP server does, into the SDK's `AuthInfo`. */
export interface AccessTokenVerifier {
  verifyAccessToken(token: string): Promise<AuthInfo>;
}

/** Who is asking, or why they are not let in. */
export type SignInVerdict =
  | { readonly principal: Principal; readonly expiresAt: number | undefined }
  | { readonly refused: string };

/**
 * The principal of a token, checked exactly as the MCP server checks it (issuer, audience, expiry,
 * signature, role claims), or why it is refused. Errors that are not about the token (the identity
 * provider's keys unreachable) are thrown.
 */
export async function signIn(verifier: AccessTokenVerifier, token: string): Promise<SignInVerdict> {
  const trimmed = token.trim().replace(/^Bearer\s+/i, '');
  if (trimmed === '')
    return { refused: 'Paste a token: `npx eaio token issue --role viewer --ttl 8h` prints one.' };
  try {
    const auth = await verifier.verifyAccessToken(trimmed);
    return { principal: principalOf(auth), expiresAt: auth.expiresAt };
  } catch (error) {
    if (error instanceof OAuthError) return { refused: `The token was refused: ${error.message}` };
    throw error;
  }
}

/**
 * Whether `who` may see the pipeline pages and use their controls (re-drive): the MCP admin tools'
 * rule, the `admin` scope and every tenant, since topics and dead letters hold every tenant's events.
 */
export function isPipelineAdmin(who: Principal): boolean {
  return holds(who, SCOPES.admin) && who.tenant === ALL_TENANTS;
}
