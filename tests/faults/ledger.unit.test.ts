import { describe, expect, it } from 'vitest';
import { AckLedger, type Queryable } from './support/ledger.ts';

/** The readings table's event ids as `checkReadings` would read them. */
function table(eventIds: string[]): Queryable {
  return {
    async query<R>() {
      const counts = new Map<string, number>();
      for (const id of eventIds) counts.set(id, (counts.get(id) ?? 0) + 1);
      return { rows: [...counts].map(([event_id, n]) => ({ event_id, n: String(n) })) as R[] };
    },
  };
}

describe('AckLedger', () => {
  it('owes every acknowledged event exactly once and tolerates unacknowledged ones landing', async () => {
    const ledger = new AckLedger('R0');
    ledger.recordAcked(['a', 'b', 'c']);
    ledger.recordUnacked(['x', 'a']);
    expect(ledger.unacknowledged).toEqual(new Set(['x']));
    const check = await ledger.checkReadings(table(['a', 'a', 'c', 'x']));
    expect(check).toEqual({ rows: 4, lost: ['b'], duplicated: 1, unacknowledgedStored: 1 });
  });

  it('an event acknowledged on a retry after a failed send is no longer unacknowledged', () => {
    const ledger = new AckLedger('R0');
    ledger.recordUnacked(['a']);
    ledger.recordAcked(['a']);
    expect([...ledger.unacknowledged]).toEqual([]);
    expect([...ledger.acknowledged]).toEqual(['a']);
  });

  it('matches poison with a letter giving the expected reason', () => {
    const ledger = new AckLedger('R0');
    ledger.recordPoison('k1', /magic byte/);
    ledger.recordPoison('k2', /schema/);
    ledger.recordPoison('k3', /range/);
    const unmatched = ledger.unmatchedPoison([
      { key: 'k1', reason: 'no magic byte' },
      { key: 'k2', reason: 'value out of range' },
    ]);
    expect(unmatched).toEqual(['k2', 'k3']);
  });
});
