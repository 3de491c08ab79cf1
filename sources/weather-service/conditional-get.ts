import { EaioError } from '../../infra/errors/index.ts';
import { describeFailure } from '../../infra/health/index.ts';
import type { CacheValidators } from './weather-service.ts';

/** The dependency name weather failures carry in `context.dependency` (breakers, logs, health). */
export const WEATHER_DEPENDENCY = 'weather-service';

/** A 2xx body, or a 304. */
export type ConditionalResponse =
  | { readonly status: 'fresh'; readonly body: unknown; readonly validators: CacheValidators }
  | { readonly status: 'not-modified' };

/** Milliseconds a `Retry-After` header asks for (delay-seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function unavailable(url: URL, why: string, context: Record<string, unknown>, cause?: unknown): EaioError {
  return new EaioError('DEPENDENCY_UNAVAILABLE', 'transient', `The weather service is unavailable (${why})`, {
    ...(cause === undefined ? {} : { cause }),
    context: { dependency: WEATHER_DEPENDENCY, host: url.host, path: url.pathname, ...context },
  });
}

/** The `reason` of an Open-Meteo style error body `{"error":true,"reason":"..."}`, if the body is one. */
function reasonOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'reason' in parsed) {
      const reason = (parsed as { reason: unknown }).reason;
      if (typeof reason === 'string') return reason;
    }
  } catch {
    // Not JSON: the status line says enough.
  }
  return undefined;
}

/**
 * GET `url` as JSON with the global fetch, bounded by `timeoutMs` and `signal`, sending the
 * validators of the previous answer. 5xx, 408, 429, a timeout and a lost connection are transient
 * DEPENDENCY_UNAVAILABLE errors (with `retryAfterMs` when the service sent `Retry-After`); other
 * non-2xx answers are WEATHER_REQUEST_REFUSED with the service's reason; a 2xx body that is not JSON
 * is WEATHER_RESPONSE_INVALID.
 */
export async function conditionalGetJson(
  url: URL,
  {
    validators,
    timeoutMs,
    signal,
  }: { readonly validators?: CacheValidators; readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<ConditionalResponse> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (validators?.etag !== undefined) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified !== undefined) headers['if-modified-since'] = validators.lastModified;
  const timeout = AbortSignal.timeout(timeoutMs);
  const bounded = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers, signal: bounded });
    // The body is read under the same deadline: a server that stalls mid-body is a timeout too.
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) throw unavailable(url, `no answer within ${timeoutMs} ms`, { timeoutMs }, error);
    if (signal?.aborted) throw error;
    throw unavailable(url, describeFailure(error), {}, error);
  }
  if (response.status === 304) return { status: 'not-modified' };
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    const wait = retryAfterMs(response.headers.get('retry-after'));
    const reason = reasonOf(text);
    throw unavailable(url, `${response.status}${reason === undefined ? '' : `: ${reason}`}`, {
      status: response.status,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (!response.ok) {
    const reason = reasonOf(text) ?? response.statusText;
    throw new EaioError(
      'WEATHER_REQUEST_REFUSED',
      'permanent',
      `The weather service refused ${url.pathname} with ${response.status}: ${reason}`,
      { context: { dependency: WEATHER_DEPENDENCY, host: url.host, status: response.status, reason } },
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (error) {
    throw new EaioError(
      'WEATHER_RESPONSE_INVALID',
      'permanent',
      `The weather service answered ${url.pathname} with a body that is not JSON (${text.length} bytes)`,
      { cause: error, context: { dependency: WEATHER_DEPENDENCY, host: url.host, start: text.slice(0, 80) } },
    );
  }
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  return {
    status: 'fresh',
    body,
    validators: {
      ...(etag === null ? {} : { etag }),
      ...(lastModified === null ? {} : { lastModified }),
    },
  };
}
