import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type KafkajsLogEntry, kafkajsLogLevel } from '../../infra/kafka/index.ts';

/** A Connection entry as kafkajs 2.2.4 logs a broker's error response (the `error` is its message). */
function response(error: string, request = 'GroupCoordinator(key: 10, version: 2)'): KafkajsLogEntry {
  return {
    level: logLevel.ERROR,
    log: {
      message: `Response ${request}`,
      broker: '127.0.0.1:9092',
      clientId: 'eaio',
      error,
      correlationId: 2,
    },
  };
}

/** A protocol error as kafkajs builds it from a broker's error code (its typings take only a message). */
function protocolError(
  type: string,
  code: number,
  retriable: boolean,
  message: string,
): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }));
}

describe('kafkajsLogLevel', () => {
  it.each([
    ['COORDINATOR_NOT_AVAILABLE', 'The group coordinator is not available'],
    [
      'COORDINATOR_LOAD_IN_PROGRESS',
      "The coordinator is loading and hence can't process requests for this group",
    ],
    ['NOT_COORDINATOR', 'This is not the correct coordinator for this group'],
    [
      'LEADER_NOT_AVAILABLE',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    ],
    ['NOT_LEADER_FOR_PARTITION', 'This server is not the leader for that topic-partition'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'This server does not host this topic-partition'],
    [
      'CONCURRENT_TRANSACTIONS',
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
    ],
    ['REBALANCE_IN_PROGRESS', 'The group is rebalancing, so a rejoin is needed'],
  ])('logs a %s response, which kafkajs retries itself, at debug', (_type, error) => {
    expect(kafkajsLogLevel(response(error))).toBe('debug');
  });

  it('logs a retried send whose error is a retriable protocol error object at debug', () => {
    const error = protocolError(
      'LEADER_NOT_AVAILABLE',
      5,
      true,
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    );
    const entry = { level: logLevel.ERROR, log: { message: error.message, retryCount: 1, retryTime: 300 } };
    expect(kafkajsLogLevel(entry)).toBe('debug');
  });

  it.each(['Failed to connect to broker, reconnecting', 'Response without match'])(
    'logs the retry message "%s" at debug',
    (message) => {
      expect(
        kafkajsLogLevel({ level: logLevel.ERROR, log: { message, retryCount: 0, retryTime: 100 } }),
      ).toBe('debug');
      expect(kafkajsLogLevel({ level: logLevel.WARN, log: { message } })).toBe('debug');
    },
  );

  it('keeps a non-retriable broker error at error', () => {
    expect(kafkajsLogLevel(response('Not authorized to access topics: [Topic authorization failed.]'))).toBe(
      'error',
    );
    const fenced = protocolError(
      'TRANSACTION_COORDINATOR_FENCED',
      52,
      false,
      'The group coordinator is not available',
    );
    // kafkajs's own verdict wins over a message that reads like a transient one.
    expect(kafkajsLogLevel({ level: logLevel.ERROR, log: { message: 'send failed', error: fenced } })).toBe(
      'error',
    );
  });

  it('keeps a consumer crash after the retries ran out at error, whatever state it names', () => {
    const exhausted = new KafkaJSNumberOfRetriesExceeded(
      new Error('The group coordinator is not available'),
      {
        retryCount: 8,
        retryTime: 12_000,
      },
    );
    const crash: KafkajsLogEntry = {
      level: logLevel.ERROR,
      log: {
        message: `Crash: ${exhausted.name}: The group coordinator is not available`,
        groupId: 'eaio.projector',
        retryCount: 8,
        error: exhausted,
      },
    };
    expect(kafkajsLogLevel(crash)).toBe('error');
    expect(
      kafkajsLogLevel({
        level: logLevel.ERROR,
        log: { message: 'Restarting the consumer in 5000ms', retryCount: 0, retryTime: 5000 },
      }),
    ).toBe('error');
  });

  it('drops the warnings that say nothing about this platform, keeps other warnings', () => {
    expect(
      kafkajsLogLevel({
        level: logLevel.WARN,
        log: { message: 'KafkaJS v2.0.0 switched default partitioner. To retain the same partitioning ...' },
      }),
    ).toBe('skip');
    expect(kafkajsLogLevel({ level: logLevel.WARN, log: { message: 'Something else' } })).toBe('warn');
  });
});
