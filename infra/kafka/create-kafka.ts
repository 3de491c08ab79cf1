import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../logging/index.ts';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: Logger;
}

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
 * CONCURRENT_TRANSACTIONS: a transaction started while the broker still writes the previous one's markers.
 * kafkajs retries it (and it succeeds within milliseconds) but logs each attempt as an error; a producer
 * committing back-to-back transactions (an import, a busy processor) would print one per transaction.
 * Logged at debug instead; a send that really fails still surfaces as the error it throws.
 */
const CONCURRENT_TRANSACTIONS = /another concurrent operation on the same transaction was ongoing/;

/** A kafkajs client whose own logs go through the project logger (warnings and errors only). */
export function createKafka({ brokers, clientId, logger }: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry) => {
      const level = LEVEL_NAMES[entry.level] ?? 'info';
      const { message, ...rest } = entry.log;
      if (level === 'warn' && IGNORED_WARNINGS.some((pattern) => pattern.test(message))) return;
      const retried = CONCURRENT_TRANSACTIONS.test(`${message} ${String(rest.error ?? '')}`);
      logger?.[retried ? 'debug' : level]({ kafkajs: entry.namespace, ...rest }, message);
    },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
