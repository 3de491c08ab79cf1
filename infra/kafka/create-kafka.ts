import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../logging/index.ts';
import { kafkajsLogLevel } from './kafkajs-log-level.ts';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger?: Logger;
}

/**
 * A kafkajs client whose own logs go through the project logger (warnings and errors only; the
 * transient broker states kafkajs retries itself at debug, see {@link kafkajsLogLevel}).
 */
export function createKafka({ brokers, clientId, logger }: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry) => {
      const level = kafkajsLogLevel(entry);
      if (level === 'skip') return;
      const { message, ...rest } = entry.log;
      logger?.[level]({ kafkajs: entry.namespace, ...rest }, message);
    },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
