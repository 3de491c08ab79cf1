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

/** A kafkajs client whose own logs go through the project logger (warnings and errors only). */
export function createKafka({ brokers, clientId, logger }: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry) => {
      const level = LEVEL_NAMES[entry.level] ?? 'info';
      const { message, ...rest } = entry.log;
      logger?.[level]({ kafkajs: entry.namespace, ...rest }, message);
    },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}
