import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stageLag } from '../../benchmarks/e2e/partition-lag.ts';
import { nextRateToTry } from '../../benchmarks/e2e/rate-search.ts';
import {
  drained,
  drainedAt,
  formatLagTable,
  type LagSample,
  maxLagByStage,
} from '../../benchmarks/e2e/stage-lag.ts';
import type { PartitionLag } from '../../infra/kafka/index.ts';

const lagOf = (topic: string, partition: number, high: bigint, committed: bigint | null): PartitionLag => ({
  group: 'g',
  topic,
  partition,
  committed,
  high,
  lag: high - (committed ?? 0n),
});

describe('a stage lag from partition lags', () => {
  it('sums the partitions of its inputs and skips other groups and topics', () => {
    const lags = [
      lagOf('in', 0, 100n, 40n),
      lagOf('in', 1, 10n, null),
      lagOf('other', 0, 500n, 0n),
      { ...lagOf('in', 2, 70n, 0n), group: 'someone-else' },
    ];
    expect(stageLag(lags, 'g', [{ topic: 'in', transactional: false }])).toBe(70);
  });

  it('does not count the trailing commit marker of a transactional input as lag', () => {
    const lags = [lagOf('tx', 0, 11n, 10n), lagOf('tx', 1, 0n, null), lagOf('tx', 2, 30n, 20n)];
    expect(stageLag(lags, 'g', [{ topic: 'tx', transactional: true }])).toBe(9);
    expect(stageLag(lags, 'g', [{ topic: 'tx', transactional: false }])).toBe(11);
  });

  it('is never negative and never more than the raw lag', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 10_000n }), fc.bigInt({ min: 0n, max: 10_000n }))),
        fc.boolean(),
        (pairs, transactional) => {
          const lags = pairs.map(([a, b], i) => {
            const [high, committed] = a >= b ? [a, b] : [b, a];
            return lagOf('t', i, high, committed);
          });
          const raw = lags.reduce((sum, l) => sum + Number(l.lag), 0);
          const lag = stageLag(lags, 'g', [{ topic: 't', transactional }]);
          expect(lag).toBeGreaterThanOrEqual(0);
          expect(lag).toBeLessThanOrEqual(raw);
          if (!transactional) expect(lag).toBe(raw);
        },
      ),
    );
  });
});

const sample = (atS: number, phase: string, lags: Record<string, number>): LagSample => ({
  atS,
  phase,
  lags,
});

describe('lag over time', () => {
  it('is drained only when the last two samples show every stage at zero', () => {
    expect(drained([])).toBe(false);
    expect(drained([sample(0, 'p', { a: 0, b: 0 })])).toBe(false);
    expect(drained([sample(0, 'p', { a: 0, b: 3 }), sample(1, 'p', { a: 0, b: 0 })])).toBe(false);
    expect(
      drained([sample(0, 'p', { a: 5 }), sample(1, 'p', { a: 0, b: 0 }), sample(2, 'p', { a: 0, b: 0 })]),
    ).toBe(true);
  });

  it('accepts a residual lag within tolerance only once it has stopped moving', () => {
    const busy = sample(0, 'p', { a: 900, b: 50 });
    const stuck = (t: number) => sample(t, 'p', { a: 0, b: 2 });
    expect(drainedAt([busy, stuck(1), stuck(2)], { b: 6 })).toBeUndefined();
    const settled = [busy, ...[1, 2, 3, 4, 5, 6].map(stuck)];
    expect(drainedAt(settled, { b: 6 })).toBe(1);
    expect(drainedAt(settled, { b: 1 })).toBeUndefined();
    expect(drainedAt(settled)).toBeUndefined();
    expect(drainedAt([busy, sample(1, 'p', { a: 0, b: 0 }), sample(2, 'p', { a: 0, b: 0 })])).toBe(1);
  });

  it('keeps the largest lag per stage within one phase', () => {
    const samples = [
      sample(0, 'backlog', { a: 10, b: 2 }),
      sample(1, 'backlog', { a: 4, b: 7 }),
      sample(2, 'live', { a: 99, b: 0 }),
    ];
    expect(maxLagByStage(samples, 'backlog')).toEqual({ a: 10, b: 7 });
    expect(maxLagByStage(samples, 'live')).toEqual({ a: 99, b: 0 });
    expect(maxLagByStage(samples, 'none')).toEqual({});
  });

  it('prints at most about `rows` samples per phase, always the first, the last and the peak', () => {
    const samples = Array.from({ length: 100 }, (_, i) =>
      sample(i / 2, 'backlog', { a: i === 37 ? 5000 : i }),
    );
    const lines = formatLagTable(samples, ['a'], 10).split('\n');
    expect(lines[0]).toMatch(/^phase\s+t\(s\)\s+a$/);
    const rows = lines.slice(1);
    expect(rows.length).toBeLessThanOrEqual(12);
    expect(rows[0]).toMatch(/^backlog\s+0\.0\s+0$/);
    expect(rows.some((r) => r.endsWith(' 5000'))).toBe(true);
    expect(rows.at(-1)).toMatch(/49\.5\s+99$/);
  });
});

describe('the search for the highest rate held', () => {
  it('halves the gap between the highest rate held and the lowest one not held', () => {
    expect(
      nextRateToTry([
        { rate: 2000, held: true },
        { rate: 10000, held: false },
      ]),
    ).toBe(6000);
    expect(
      nextRateToTry([
        { rate: 2000, held: true },
        { rate: 10000, held: false },
        { rate: 6000, held: false },
      ]),
    ).toBe(4000);
  });

  it('doubles when everything held and halves when nothing did', () => {
    expect(
      nextRateToTry([
        { rate: 2000, held: true },
        { rate: 10000, held: true },
      ]),
    ).toBe(20000);
    expect(
      nextRateToTry([
        { rate: 2000, held: false },
        { rate: 10000, held: false },
      ]),
    ).toBe(1000);
  });

  it('stops when the gap is one step or nothing was tried', () => {
    expect(nextRateToTry([])).toBeUndefined();
    expect(
      nextRateToTry([
        { rate: 2000, held: true },
        { rate: 2500, held: false },
      ]),
    ).toBeUndefined();
    expect(nextRateToTry([{ rate: 400, held: false }])).toBeUndefined();
  });

  it('always proposes a new rate strictly between what held and what did not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rate: fc.integer({ min: 1, max: 50_000 }), held: fc.boolean() })),
        (tried) => {
          const next = nextRateToTry(tried);
          if (next === undefined) return;
          expect(tried.map((t) => t.rate)).not.toContain(next);
          const held = tried.filter((t) => t.held).map((t) => t.rate);
          if (held.length > 0) expect(next).toBeGreaterThan(Math.max(...held));
          expect(next % 500).toBe(0);
        },
      ),
    );
  });
});
