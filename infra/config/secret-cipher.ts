import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigSecretError } from './config-errors.ts';

/** Environment variable holding the key of `{"$encrypted": "v1:..."}` config values. */
export const CONFIG_KEY_VARIABLE = 'EAIO_CONFIG_KEY';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Decodes `EAIO_CONFIG_KEY` (base64 of 32 random bytes, e.g. `openssl rand -base64 32`).
 * Throws `missing-key` when absent and `invalid-key` when it is not 32 bytes of base64.
 */
export function parseConfigKey(base64: string | undefined): Buffer {
  if (base64 === undefined || base64.trim() === '')
    throw new ConfigSecretError(
      'missing-key',
      `${CONFIG_KEY_VARIABLE} is not set: it must hold the base64 key (32 bytes) the encrypted config values were made with`,
    );
  const text = base64.trim();
  const key = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEY_BYTES)
    throw new ConfigSecretError(
      'invalid-key',
      `${CONFIG_KEY_VARIABLE} must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} bytes`,
    );
  return key;
}

/**
 * A short fingerprint of the key, stored in each token so that a value made with another key is told
 * apart from a tampered one (GCM alone cannot tell them apart). 32 bits of a hash of a 256-bit random
 * key say nothing useful about the key.
 */
export function configKeyId(key: Buffer): string {
  return createHash('sha256').update('eaio-config-key\0').update(key).digest('hex').slice(0, 8);
}

const aadOf = (keyId: string) => Buffer.from(`eaio-config:${VERSION}:${keyId}`);

/** Encrypts `plain` with AES-256-GCM: `v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`. */
export function encryptSecret(plain: string, key: Buffer): string {
  const keyId = configKeyId(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aadOf(keyId));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${VERSION}:${keyId}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/**
 * Decrypts a token made by {@link encryptSecret}. Throws a {@link ConfigSecretError} whose `reason`
 * says whether the token is malformed, made with another key, or altered.
 */
export function decryptSecret(token: string, key: Buffer): string {
  const match = /^v1:([0-9a-f]{8}):([A-Za-z0-9_-]+)$/.exec(token);
  const packed = match ? Buffer.from(match[2] ?? '', 'base64url') : Buffer.alloc(0);
  if (!match || packed.length < IV_BYTES + TAG_BYTES)
    throw new ConfigSecretError(
      'malformed',
      'not an encrypted config value: expected "v1:<key id>:<base64url>" as printed by `npx eaio config encrypt`',
    );
  const tokenKeyId = match[1] ?? '';
  const keyId = configKeyId(key);
  if (tokenKeyId !== keyId)
    throw new ConfigSecretError(
      'wrong-key',
      `encrypted with key ${tokenKeyId}, but ${CONFIG_KEY_VARIABLE} is key ${keyId}`,
      { tokenKeyId, keyId },
    );
  const decipher = createDecipheriv('aes-256-gcm', key, packed.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(aadOf(keyId));
  decipher.setAuthTag(packed.subarray(packed.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(packed.subarray(IV_BYTES, packed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch (cause) {
    throw new ConfigSecretError(
      'tampered',
      'the encrypted value fails its integrity check: it was altered after encryption',
      { keyId, cause: String(cause) },
    );
  }
}
