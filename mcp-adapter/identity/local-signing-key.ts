import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

/** The algorithm of the local signing key. */
export const LOCAL_KEY_ALGORITHM = 'ES256';

const PRIVATE_FILE = 'token-signing-key.private.jwk.json';
const PUBLIC_FILE = 'token-signing-key.public.jwk.json';

/** The key `eaio token issue` signs with, and that the HTTP server trusts when no other key is configured. */
export interface LocalSigningKey {
  readonly privateKey: CryptoKey;
  /** The public half as a JWK with `kid`, `alg` and `use`, as stored beside the private key. */
  readonly publicJwk: JWK;
  /** The JWK thumbprint (RFC 7638) of the public key. */
  readonly kid: string;
  /** The file holding the private key (mode 0600). */
  readonly privateKeyPath: string;
  /** The file holding the public JWK. */
  readonly publicKeyPath: string;
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

async function readJwk(path: string): Promise<JWK | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as JWK;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function publicHalf({ kty, crv, x, y, kid, alg }: JWK): JWK {
  return { kty, crv, x, y, kid, alg, use: 'sig' } as JWK;
}

/**
 * The local signing key in `dir`, generated (ES256) the first time. The private JWK is written to a
 * temporary file of mode 0600 and hard-linked into place, so two processes starting together end up
 * with the one key that won the link; the public JWK is written beside it.
 */
export async function ensureLocalSigningKey(dir: string): Promise<LocalSigningKey> {
  const privateKeyPath = join(dir, PRIVATE_FILE);
  const publicKeyPath = join(dir, PUBLIC_FILE);
  let privateJwk = await readJwk(privateKeyPath);
  if (privateJwk === undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = await generateKeyPair(LOCAL_KEY_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const fresh: JWK = {
      ...jwk,
      kid: await calculateJwkThumbprint(jwk),
      alg: LOCAL_KEY_ALGORITHM,
      use: 'sig',
    };
    const temporary = join(dir, `.${PRIVATE_FILE}.${randomUUID()}`);
    await writeFile(temporary, `${JSON.stringify(fresh)}\n`, { mode: 0o600, flag: 'wx' });
    try {
      await link(temporary, privateKeyPath);
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    } finally {
      await rm(temporary, { force: true });
    }
    privateJwk = await readJwk(privateKeyPath);
    if (privateJwk === undefined) throw new Error(`the local signing key ${privateKeyPath} vanished`);
  }
  const publicJwk = publicHalf(privateJwk);
  if (JSON.stringify(await readJwk(publicKeyPath)) !== JSON.stringify(publicJwk)) {
    const temporary = join(dir, `.${PUBLIC_FILE}.${randomUUID()}`);
    await writeFile(temporary, `${JSON.stringify(publicJwk)}\n`, { mode: 0o644 });
    await rename(temporary, publicKeyPath);
  }
  return {
    privateKey: (await importJWK(privateJwk, LOCAL_KEY_ALGORITHM)) as CryptoKey,
    publicJwk,
    kid: String(privateJwk.kid),
    privateKeyPath,
    publicKeyPath,
  };
}
