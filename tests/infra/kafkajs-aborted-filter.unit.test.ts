import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * The read-committed filter of kafkajs's consumer as patched by `patches/kafkajs+2.2.4.patch`.
 * Unpatched, kafkajs 2.2.4 activated at most one aborted transaction per record, so a fetch that
 * began inside two aborted transactions of different producers handed out the first record of the
 * second as committed: an aborted write read as real (R2 in docs/reliability.md, where six
 * transactional producers write each readings-by-building partition and kills abort their work).
 */
const require = createRequire(import.meta.url);
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages.js') as (args: {
  messages: Record<string, unknown>[];
  abortedTransactions: { firstOffset: string; producerId: string }[];
}) => { offset: string }[];

const record = (offset: number, producerId: string, inTransaction = true) => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  batchContext: { producerId, inTransaction },
});
/** The control record that ends a producer's aborted transaction (key version 0, type 0 = ABORT). */
const abortMarker = (offset: number, producerId: string) => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, 0]),
  batchContext: { producerId, inTransaction: true },
});
const offsets = (out: { offset: string }[]) => out.map((m) => Number(m.offset));

describe('kafkajs read-committed filter (patched)', () => {
  it('drops the records of two overlapping aborted transactions when a fetch starts inside both', () => {
    // A aborted from offset 450, B from 480; the fetch starts at 500, inside both.
    const out = filterAbortedMessages({
      messages: [
        record(500, 'B'),
        record(501, 'A'),
        record(502, 'B'),
        abortMarker(503, 'A'),
        abortMarker(504, 'B'),
      ],
      abortedTransactions: [
        { firstOffset: '450', producerId: 'A' },
        { firstOffset: '480', producerId: 'B' },
      ],
    });
    expect(offsets(out).filter((o) => o < 503)).toEqual([]);
  });

  it('takes the aborted list in first-offset order whatever order the broker gave it', () => {
    const out = filterAbortedMessages({
      messages: [
        record(10, 'A'),
        record(11, 'B'),
        abortMarker(12, 'A'),
        abortMarker(13, 'B'),
        record(14, 'C'),
      ],
      abortedTransactions: [
        { firstOffset: '11', producerId: 'B' },
        { firstOffset: '10', producerId: 'A' },
      ],
    });
    expect(offsets(out).filter((o) => o !== 12 && o !== 13)).toEqual([14]);
  });

  it('keeps committed records of other producers and a producer’s records after its abort marker', () => {
    const out = filterAbortedMessages({
      messages: [record(1, 'A'), record(2, 'C'), abortMarker(3, 'A'), record(4, 'A'), record(5, 'C', false)],
      abortedTransactions: [{ firstOffset: '1', producerId: 'A' }],
    });
    expect(offsets(out).filter((o) => o !== 3)).toEqual([2, 4, 5]);
  });
});
