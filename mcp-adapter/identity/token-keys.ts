import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EaioConfig } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import type { TokenKeys } from './jwt-verifier.ts';
import { ensureLocalSigningKey } from './local-signing-key.ts';

type AuthSettings = EaioConfig['mcp']['auth'];

/** The folder of the local signing key: `mcp.auth.localKeyDir`, else `<stateDir>/auth`. */
export function localKeyDirOf(auth: AuthSettings, stateDir: string): string {
  return auth.localKeyDir ?? join(stateDir, 'auth');
}

/**
 * The keys the HTTP server trusts, from the `mcp.auth` settings: the JWKS URL, or the PEM public key,
 * or (neither set) the local signing key, created if it does not exist yet so `eaio token issue`
 * works against this server. Setting both is refused: which one signs would be ambiguous.
 */
export async function tokenKeysOf(auth: AuthSettings, stateDir: string): Promise<TokenKeys> {
  if (auth.jwksUrl !== undefined && auth.publicKey !== undefined)
    throw new EaioError(
      'CONFIG_INVALID',
      'permanent',
      'mcp.auth.jwksUrl and mcp.auth.publicKey are both set; set the one your identity provider signs with',
    );
  if (auth.jwksUrl !== undefined)
    return {
      kind: 'jwks',
      url: new URL(auth.jwksUrl),
      cooldownMs: auth.jwksCooldownSeconds * 1000,
      cacheMaxAgeMs: auth.jwksCacheMaxAgeSeconds * 1000,
    };
  if (auth.publicKey !== undefined) {
    try {
      return {
        kind: 'public-key',
        key: createPublicKey(await readFile(auth.publicKey, 'utf8')),
        source: auth.publicKey,
      };
    } catch (error) {
      throw new EaioError(
        'CONFIG_INVALID',
        'permanent',
        `mcp.auth.publicKey ${auth.publicKey} is not a readable PEM public key: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  const local = await ensureLocalSigningKey(localKeyDirOf(auth, stateDir));
  return { kind: 'public-key', key: local.publicJwk, source: local.publicKeyPath };
}
