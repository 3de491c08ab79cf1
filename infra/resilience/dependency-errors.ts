import { EaioError } from '../errors/index.ts';
import { describeFailure } from '../health/index.ts';

/** The external services a failure can be blamed on. */
export type Dependency = 'postgres' | 'redis' | 'registry' | 'kafka';

/** How a dependency is named in messages meant for people and agents. */
export const DEPENDENCY_LABELS: Readonly<Record<Dependency, string>> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  registry: 'The schema registry',
  kafka: 'Kafka',
};

/** Socket-level codes Node gives a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * Messages of client libraries that lost their server without a socket code: pg ("Connection
 * terminated unexpectedly", a pool connect timeout, a client dead after an error), ioredis ("Connection
 * is closed."), and the registry client, which reports a socket error as a status-400 response whose
 * text carries the Node code.
 */
const NETWORK_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection is closed|socket hang up|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN/;

/**
 * PostgreSQL SQLSTATEs that say the server, not the statement, failed: connection exceptions (class
 * 08), shutdown or start-up in progress (57P01-57P03), too many connections (53300).
 */
function isServerUnavailableState(code: string): boolean {
  return (
    code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300'
  );
}

function field(error: object, name: string): unknown {
  return (error as Record<string, unknown>)[name];
}

function isNetworkFailureItself(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = field(error, 'code');
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isServerUnavailableState(code)))
  )
    return true;
  // ioredis gives up on a command after maxRetriesPerRequest reconnection attempts.
  if (field(error, 'name') === 'MaxRetriesPerRequestError') return true;
  // kafkajs marks the failures its own retrier would retry.
  if (field(error, 'retriable') === true && String(field(error, 'name')).startsWith('KafkaJS')) return true;
  const status = field(error, 'status');
  if (typeof status === 'number' && (status >= 500 || status === 408 || status === 429)) return true;
  return error instanceof Error && NETWORK_MESSAGES.test(error.message);
}

/**
 * True when `error` (or one of its causes, or an AggregateError's members, as Node gives for a host
 * with several addresses) says a dependency could not be reached, dropped the connection or was
 * overloaded: the failures worth retrying and worth counting towards a circuit breaker. Statement
 * errors (bad SQL, a constraint, a 404 from the registry) are not.
 */
export function isNetworkFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    if (isNetworkFailureItself(current)) return true;
    if (current instanceof AggregateError) queue.push(...current.errors);
    if (current instanceof Error) queue.push(current.cause);
  }
  return false;
}

/**
 * Failures a dependency's breaker counts: network failures, and transient EAIO errors that already
 * carry one (a codec's SCHEMA_REGISTRY_UNAVAILABLE, a sink's SINK_UNAVAILABLE, a timeout).
 */
export function isDependencyFailure(error: unknown): boolean {
  if (error instanceof EaioError) {
    return (
      error.kind === 'transient' &&
      (error.code === 'DEPENDENCY_UNAVAILABLE' ||
        error.code === 'SCHEMA_REGISTRY_UNAVAILABLE' ||
        error.code === 'SINK_UNAVAILABLE' ||
        isNetworkFailure(error.cause))
    );
  }
  return isNetworkFailure(error);
}

/**
 * The EAIO form of a failure of `dependency`: an EaioError passes unchanged, a network failure of
 * pg, ioredis, kafkajs or the registry client becomes a transient DEPENDENCY_UNAVAILABLE naming the
 * dependency (the original as its cause), anything else is returned as it is.
 */
export function classifyFailure(dependency: Dependency, error: unknown): unknown {
  if (error instanceof EaioError || !isNetworkFailure(error)) return error;
  return new EaioError(
    'DEPENDENCY_UNAVAILABLE',
    'transient',
    `${DEPENDENCY_LABELS[dependency]} is unavailable: ${describeFailure(error)}`,
    { cause: error, context: { dependency } },
  );
}
