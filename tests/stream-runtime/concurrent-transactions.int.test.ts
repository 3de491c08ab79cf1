import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConcurrentTransactions, sendOffsetsInPlace } from '../../stream-runtime/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/**
 * A transactional producer that commits and at once opens a transaction holding only offsets (a
 * processor batch with no outputs) meets the broker still writing the previous transaction's markers:
 * AddOffsetsToTxn is answered CONCURRENT_TRANSACTIONS. Measured here before the fix: 26 of 30 such
 * transactions failed, each a whole batch redone by the processor.
 */
describe('offsets sent right after a commit', () => {
  const CYCLES = 30;
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await createTestPlatform('concurrent_txn');
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it('are committed in place, however often the broker answers CONCURRENT_TRANSACTIONS', async () => {
    const topic = platform.names.topic('sensorReadings');
    const groupId = `${platform.names.prefix}offsets-only`;
    const producer = platform.kafka.producer({
      transactionalId: `${platform.names.prefix}offsets-only.0`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
        const offsets = {
          consumerGroupId: groupId,
          topics: [{ topic, partitions: [{ partition: 0, offset: String(cycle) }] }],
        };
        const withOutputs = await producer.transaction();
        await withOutputs.send({ topic, messages: [{ key: 'meter', value: Buffer.from([0]) }] });
        await sendOffsetsInPlace(withOutputs, offsets);
        await withOutputs.commit();
        const offsetsOnly = await producer.transaction();
        await sendOffsetsInPlace(offsetsOnly, offsets);
        await offsetsOnly.commit();
      }
    } finally {
      await producer.disconnect();
    }
    const admin = platform.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(committed?.partitions.find((p) => p.partition === 0)?.offset).toBe(String(CYCLES));
    } finally {
      await admin.disconnect();
    }
  });

  it('tells CONCURRENT_TRANSACTIONS apart from every other failure', () => {
    expect(isConcurrentTransactions({ type: 'CONCURRENT_TRANSACTIONS', code: 51 })).toBe(true);
    expect(isConcurrentTransactions({ type: 'INVALID_PRODUCER_EPOCH', code: 47 })).toBe(false);
    expect(isConcurrentTransactions(new Error('CONCURRENT_TRANSACTIONS'))).toBe(false);
    expect(isConcurrentTransactions(undefined)).toBe(false);
  });

  it('recognises CONCURRENT_TRANSACTIONS wrapped by kafkajs after its own retries', () => {
    const protocol = Object.assign(new Error('There is a newer producer'), {
      type: 'CONCURRENT_TRANSACTIONS',
      code: 51,
    });
    const exceeded = Object.assign(new Error(protocol.message, { cause: protocol }), {
      name: 'KafkaJSNumberOfRetriesExceeded',
    });
    expect(isConcurrentTransactions(exceeded)).toBe(true);
    expect(isConcurrentTransactions({ originalError: { type: 'UNKNOWN', code: 51 } })).toBe(true);
    expect(isConcurrentTransactions(new Error('wrapped twice', { cause: exceeded }))).toBe(true);
    // A Node system error's code is a string, and error 51 needs a protocol error's shape.
    expect(isConcurrentTransactions({ code: 51 })).toBe(false);
    expect(
      isConcurrentTransactions(
        new Error('retries exceeded', { cause: { type: 'INVALID_TXN_STATE', code: 48 } }),
      ),
    ).toBe(false);
  });
});
