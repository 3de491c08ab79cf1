import { logLevel } from 'kafkajs';

/** The level a kafkajs log entry is written at through the project logger, or `skip` to drop it. */
export type KafkajsLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'skip';

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warnings that say nothing about this platform:
 * - the v2 partitioner switch: every producer here uses the Java-compatible default (murmur2) on purpose;
 * - bounded retries on an idempotent producer: the processors' producers are transactional, so a send
 *   that runs out of retries aborts its transaction and the batch is redone, never half-written.
 */
const IGNORED_WARNINGS = [/switched default partitioner/, /Limiting retries for the idempotent producer/];

/**
 * The messages of the retriable broker errors a healthy start meets (kafkajs 2.2.4's
 * `protocol/error.js`, which kafkajs passes as the entry's `error`): a fresh broker elects leaders,
 * creates `__consumer_offsets` and `__transaction_state` and loads their coordinators while the
 * platform already creates topics, joins groups and initialises transactional producers. kafkajs
 * retries each of these itself, yet logs every attempt's response at error level. A retry that runs
 * out surfaces as the error the call throws (and as kafkajs's own "Crash"/"Failed to …" entries,
 * which stay at error), so nothing real is hidden by logging the attempts at debug.
 */
const TRANSIENT_BROKER_ERRORS: readonly string[] = [
  // GROUP_COORDINATOR_NOT_AVAILABLE (COORDINATOR_NOT_AVAILABLE)
  'The group coordinator is not available',
  // GROUP_LOAD_IN_PROGRESS (COORDINATOR_LOAD_IN_PROGRESS)
  "The coordinator is loading and hence can't process requests for this group",
  // NOT_COORDINATOR_FOR_GROUP (NOT_COORDINATOR)
  'This is not the correct coordinator for this group',
  // LEADER_NOT_AVAILABLE
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  // NOT_LEADER_FOR_PARTITION
  'This server is not the leader for that topic-partition',
  // UNKNOWN_TOPIC_OR_PARTITION: a topic just created is not yet known to every request path
  'This server does not host this topic-partition',
  // CONCURRENT_TRANSACTIONS: a transaction begun while the broker still writes the previous one's markers
  'another concurrent operation on the same transaction was ongoing',
  // REBALANCE_IN_PROGRESS
  'The group is rebalancing, so a rejoin is needed',
];

/**
 * Messages kafkajs logs while it retries on its own: a broker connection being re-established, and a
 * late answer to a request that had already timed out (and was retried).
 */
const RETRY_MESSAGES = [/^Failed to connect to broker, reconnecting$/, /^Response without match$/];

/**
 * What kafkajs logs once its own retries gave up: a consumer crash (`Crash: KafkaJSNumberOfRetriesExceeded:
 * The group coordinator is not available`) names a transient state but is a real failure.
 */
const GAVE_UP = /^Crash\b|NumberOfRetriesExceeded|^Restarting the consumer/;

/** What kafkajs hands its logCreator, reduced to the fields the level depends on. */
export interface KafkajsLogEntry {
  readonly level: number;
  readonly log: { readonly message: string; readonly error?: unknown; readonly [field: string]: unknown };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : '';
}

/** Whether the entry reports a retriable broker state kafkajs retries itself. */
function isTransient(entry: KafkajsLogEntry): boolean {
  const { message, error } = entry.log;
  // A protocol error object carries kafkajs's own verdict; a non-retriable one is never transient.
  if (error instanceof Error && 'retriable' in error && error.retriable === false) return false;
  const text = `${message} ${errorText(error)}`;
  if (GAVE_UP.test(message) || GAVE_UP.test(errorText(error))) return false;
  if (TRANSIENT_BROKER_ERRORS.some((known) => text.includes(known))) return true;
  return RETRY_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * The level a kafkajs log entry is written at: kafkajs's own level, except that the transient
 * start-up states it retries itself go to debug, so a healthy `npm start` prints no error line, and
 * the warnings that say nothing about this platform are dropped. A non-retriable error, a crash or a
 * retry that ran out keeps kafkajs's level (error) with kafkajs's message, which names what failed.
 */
export function kafkajsLogLevel(entry: KafkajsLogEntry): KafkajsLogLevel {
  const level = LEVEL_NAMES[entry.level] ?? 'info';
  if (level === 'warn' && IGNORED_WARNINGS.some((pattern) => pattern.test(entry.log.message))) return 'skip';
  if ((level === 'error' || level === 'warn') && isTransient(entry)) return 'debug';
  return level;
}
