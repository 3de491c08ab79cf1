import { CONFIG_KEYS } from './config-keys.ts';
import type { EaioConfig } from './config-schema.ts';

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

const SECRET_NAME = /(password|passwd|token|secret|apikey|api_key)$/i;
const SECRET_QUERY_PARAMETER = /([?&][^=&#]*(?:password|passwd|token|secret|apikey|api_key)=)[^&#]*/gi;

/**
 * Dotted paths of every secret value in `config`: keys marked `secret` in the schema, and any key
 * whose name ends in password, token, secret or apiKey. Meant for the logger's redaction list, e.g.
 * pino `redact: { paths: secretPaths(config).map((p) => `config.${p}`), censor: redactSecretValue }`.
 */
export function secretPaths(config: EaioConfig): string[] {
  const marked = new Set(CONFIG_KEYS.filter((k) => k.secret).map((k) => k.path));
  const found: string[] = [];
  const walk = (node: unknown, prefix: string): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    for (const [name, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (marked.has(path) || SECRET_NAME.test(name)) found.push(path);
      else walk(value, path);
    }
  };
  walk(config, '');
  return found;
}

/**
 * A secret value made safe to show: a URL keeps everything but its password (and password-like
 * query parameters), so `postgres://app:s3cret@db/eaio` shows as `postgres://app:[REDACTED]@db/eaio`;
 * anything else becomes `[REDACTED]`.
 */
export function redactSecretValue(value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return REDACTED;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return REDACTED;
  }
  const text = url.password ? value.replace(`:${url.password}@`, `:${REDACTED}@`) : value;
  // A password the URL parser normalised cannot be found in the text again: hide the whole value.
  if (url.password && text === value) return REDACTED;
  return text.replace(SECRET_QUERY_PARAMETER, `$1${REDACTED}`);
}

function getPath(config: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
}

/** A deep copy of `config` with every secret value redacted, for printing. */
export function redactConfig(config: EaioConfig): EaioConfig {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const path of secretPaths(config)) {
    const parts = path.split('.');
    const last = parts.pop() ?? '';
    const holder = (parts.length > 0 ? getPath(copy, parts.join('.')) : copy) as Record<string, unknown>;
    holder[last] = redactSecretValue(holder[last]);
  }
  return copy as EaioConfig;
}

/**
 * The raw secret strings of `config` (URL passwords, whole non-URL secrets), for scrubbing free text
 * such as error messages that echo a connection string. Never log this list itself.
 */
export function secretValues(config: EaioConfig): string[] {
  const values = new Set<string>();
  for (const path of secretPaths(config)) {
    const value = getPath(config, path);
    if (typeof value !== 'string' || value === '') continue;
    const redacted = redactSecretValue(value);
    if (redacted === REDACTED) values.add(value);
    else {
      try {
        const url = new URL(value);
        if (url.password) values.add(decodeURIComponent(url.password)).add(url.password);
        for (const [name, v] of url.searchParams) if (SECRET_NAME.test(name) && v) values.add(v);
      } catch {
        values.add(value);
      }
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** Replaces every secret value of `config` that occurs in `text` with `[REDACTED]`. */
export function createSecretScrubber(config: EaioConfig): (text: string) => string {
  const values = secretValues(config);
  return (text) => values.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}
