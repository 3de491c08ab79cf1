/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Argument names whose values are secrets whatever they hold (matched anywhere in the name, any case). */
const SECRET_KEY = /token|passw(or)?d|secret|authori[sz]ation|api[-_]?key|credential|cookie|private[-_]?key/i;

// A bearer credential inside any text, and a JWT (three base64url parts, the first a JSON header).
const BEARER = /\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/** Deeper than this, values are replaced by a marker: arguments are validated JSON, never this deep. */
const MAX_DEPTH = 8;

/** `text` with every bearer token and JWT in it replaced by {@link REDACTED}. */
export function redactText(text: string): string {
  return text.replace(BEARER, `Bearer ${REDACTED}`).replace(JWT, REDACTED);
}

/**
 * A copy of tool arguments safe to store in the audit log: the value of every key that names a
 * secret (token, password, secret, authorization, api key, credential, cookie) is replaced, and so is
 * every bearer token or JWT inside any string, at any depth. Never mutates its input.
 */
export function redactArguments(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[TOO DEEP]';
  if (Array.isArray(value)) return value.map((v) => redactArguments(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      SECRET_KEY.test(key) ? REDACTED : redactArguments(v, depth + 1),
    ]),
  );
}

/** Longest arguments JSON an audit record keeps; a longer one is cut and says so. */
export const MAX_ARGUMENTS_CHARS = 4_000;

/** The redacted arguments as the JSON text an audit record carries, at most {@link MAX_ARGUMENTS_CHARS}. */
export function redactedArgumentsJson(args: unknown): string {
  const json = JSON.stringify(redactArguments(args ?? {})) ?? '{}';
  return json.length <= MAX_ARGUMENTS_CHARS
    ? json
    : `${json.slice(0, MAX_ARGUMENTS_CHARS)}…[truncated ${json.length - MAX_ARGUMENTS_CHARS} chars]`;
}
