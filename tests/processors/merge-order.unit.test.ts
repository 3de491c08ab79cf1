import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareTablePositions,
  nextStreamInput,
  type StreamHead,
  tableIsDue,
} from '../../processors/runtime/index.ts';

/** Event times of each input's log, in log order. */
type Logs = number[][];

/**
 * Feeds what the merge allows after each delivery, as the runtime does: each input's log end is known
 * from the start (the runtime asks the broker), deliveries come in chunks in any order.
 */
function mergeAsDelivered(logs: Logs, deliveries: readonly number[]): string[] {
  const received = logs.map(() => 0);
  const fed = logs.map(() => 0);
  const out: string[] = [];
  const drain = () => {
    for (;;) {
      const heads: StreamHead[] = logs.map((log, i) => {
        const at = log[fed[i] as number];
        if ((fed[i] as number) < (received[i] as number) && at !== undefined)
          return { kind: 'event', occurredAt: at };
        return (received[i] as number) >= log.length ? { kind: 'idle' } : { kind: 'behind' };
      });
      const next = nextStreamInput(heads);
      if (next === undefined) return;
      out.push(`${next}:${fed[next]}`);
      fed[next] = (fed[next] as number) + 1;
    }
  };
  for (const input of deliveries) {
    const i = input % logs.length;
    received[i] = Math.min((logs[i] as number[]).length, (received[i] as number) + 1 + (input % 3));
    drain();
  }
  for (const [i, log] of logs.entries()) received[i] = log.length;
  drain();
  return out;
}

const logsArb = fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 12 }), {
  minLength: 1,
  maxLength: 3,
});

describe('merge order of multi-input processors', () => {
  it('does not depend on how the logs arrive in batches when their ends are known', () => {
    fc.assert(
      fc.property(logsArb, fc.array(fc.nat({ max: 20 }), { maxLength: 40 }), (logs, deliveries) => {
        expect(mergeAsDelivered(logs, deliveries)).toEqual(mergeAsDelivered(logs, []));
      }),
    );
  });

  it('keeps each input in log order and otherwise feeds the earliest event, the first input on ties', () => {
    fc.assert(
      fc.property(logsArb, (logs) => {
        const order = mergeAsDelivered(logs, []);
        expect(order).toHaveLength(logs.flat().length);
        for (const [i] of logs.entries()) {
          const own = order.filter((o) => o.startsWith(`${i}:`)).map((o) => Number(o.split(':')[1]));
          expect(own).toEqual(own.map((_, k) => k));
        }
      }),
    );
    expect(
      nextStreamInput([
        { kind: 'event', occurredAt: 5 },
        { kind: 'event', occurredAt: 5 },
      ]),
    ).toBe(0);
    expect(
      nextStreamInput([
        { kind: 'event', occurredAt: 6 },
        { kind: 'event', occurredAt: 5 },
      ]),
    ).toBe(1);
  });

  it('waits for an input that is behind, never for one that is idle', () => {
    expect(nextStreamInput([{ kind: 'event', occurredAt: 1 }, { kind: 'behind' }])).toBeUndefined();
    expect(nextStreamInput([{ kind: 'event', occurredAt: 1 }, { kind: 'idle' }])).toBe(0);
    expect(nextStreamInput([{ kind: 'idle' }, { kind: 'idle' }])).toBeUndefined();
  });

  it('feeds a table event before stream events at or after its time, in a total order', () => {
    const a = { occurredAt: 10, table: 0, partition: 1, offset: 3n };
    expect(tableIsDue(a, 10)).toBe(true);
    expect(tableIsDue(a, 9)).toBe(false);
    fc.assert(
      fc.property(
        fc.record({
          occurredAt: fc.integer({ min: 0, max: 5 }),
          table: fc.integer({ min: 0, max: 1 }),
          partition: fc.integer({ min: 0, max: 2 }),
          offset: fc.bigInt({ min: 0n, max: 5n }),
        }),
        fc.record({
          occurredAt: fc.integer({ min: 0, max: 5 }),
          table: fc.integer({ min: 0, max: 1 }),
          partition: fc.integer({ min: 0, max: 2 }),
          offset: fc.bigInt({ min: 0n, max: 5n }),
        }),
        (x, y) => {
          // Antisymmetric: the signs cancel (written as a sum: for equal positions -0 is not Object.is 0).
          expect(Math.sign(compareTablePositions(x, y)) + Math.sign(compareTablePositions(y, x))).toBe(0);
        },
      ),
    );
  });
});
