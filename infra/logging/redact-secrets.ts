import { stdSerializers } from 'pino';

/**
 * Keys whose values are secrets wherever they appear in a logged object (matched at any depth,
 * ignoring case, `-` and `_`, and as a suffix: `dbPassword`, `x-api-key`). `authorization` covers HTTP headers, `url`-like values are
 * handled by {@link maskUrlCredentials} instead so the host stays visible.
 */
export const DEFAULT_SECRET_KEYS = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'authorization',
  'cookie',
  'setCookie',
  'privateKey',
  'clientSecret',
] as const;

/** What replaces a redacted value. */
export const REDACTED = '[REDACTED]';

/**
 * pino `redact` paths for the secret keys at the top level and one or two levels down
 * (`password`, `*.password`, `*.*.password`), plus the explicit paths given (e.g. a config
 * engineer's `secretPaths`). pino resolves these in compiled code, so they cost little per line.
 */
export function secretRedactPaths(
  keys: readonly string[] = DEFAULT_SECRET_KEYS,
  extraPaths: readonly string[] = [],
): string[] {
  const paths = new Set<string>();
  for (const key of keys) {
    paths.add(key);
    paths.add(`*.${key}`);
    paths.add(`*.*.${key}`);
  }
  for (const path of ['headers.authorization', 'req.headers.authorization', 'req.headers.cookie'])
    paths.add(path);
  for (const path of extraPaths) paths.add(path);
  return [...paths];
}

// Userinfo runs to the last '@' before the path: unencoded '@' in a password must not end it early.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi;
const SECRET_QUERY =
  /([?&](?:password|passwd|pwd|pass|secret|token|access_token|api_?key|sslpassword)=)[^&#\s]*/gi;

/**
 * Masks credentials inside URLs anywhere in a string: `postgres://user:pass@host` becomes
 * `postgres://user:***@host`, a bare token as userinfo (`https://tok@host`) becomes `***@`, and
 * secret query parameters (`?password=`, `?token=`, ...) lose their value.
 */
export function maskUrlCredentials(text: string): string {
  if (!text.includes('://') && !text.includes('=')) return text;
  return text
    .replace(URL_USERINFO, (_match, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
    })
    .replace(SECRET_QUERY, '$1***');
}

/** Deep masker for logged values: secret keys censored, URL credentials masked, errors serialised. */
export type SecretMasker = (value: unknown) => unknown;

const MAX_DEPTH = 8;

/**
 * Builds the deep masker pino runs on every logged object, message and binding. It copies only
 * what it changes, so ordinary lines cost a walk, not a clone.
 */
export function createSecretMasker(keys: readonly string[] = DEFAULT_SECRET_KEYS): SecretMasker {
  const normalise = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
  const secretKeys = keys.map(normalise);
  // A suffix match: `x-api-key`, `dbPassword` and `githubToken` are secrets too.
  const isSecretKey = (key: string) => {
    const normalised = normalise(key);
    return secretKeys.some((secret) => normalised.endsWith(secret));
  };

  const maskRecord = (
    source: Record<string, unknown>,
    copied: boolean,
    depth: number,
    seen: WeakSet<object>,
  ) => {
    let copy: Record<string, unknown> | undefined = copied ? source : undefined;
    for (const key of Object.keys(source)) {
      const item = source[key];
      const masked = isSecretKey(key) && item != null ? REDACTED : mask(item, depth + 1, seen);
      if (masked !== item) {
        copy ??= { ...source };
        copy[key] = masked;
      }
    }
    return copy ?? source;
  };

  const mask = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === 'string') return maskUrlCredentials(value);
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || seen.has(value)) return value;
    seen.add(value);
    // Error properties are not enumerable: serialise first (pino's own way, causes included) so
    // message, stack and context fields are walked too.
    if (value instanceof Error) return maskRecord({ ...stdSerializers.err(value) }, true, depth, seen);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item: unknown, i) => {
        const masked = mask(item, depth + 1, seen);
        if (masked !== item) {
          copy ??= [...(value as unknown[])];
          copy[i] = masked;
        }
      });
      return copy ?? value;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    // Dates, Buffers, Maps and class instances are logged as their JSON form; leave them alone.
    if (proto !== Object.prototype && proto !== null) return value;
    return maskRecord(value as Record<string, unknown>, false, depth, seen);
  };
  return (value) => mask(value, 0, new WeakSet());
}
