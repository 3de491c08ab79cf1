import { describe, expect, it } from 'vitest';
import { formatRssTable, type RssSample, rssTrends, slope } from '../../benchmarks/e2e/rss-trend.ts';

const MiB = 2 ** 20;
const at = (atS: number, stage: string, mib: number): RssSample => ({ atS, stage, bytes: mib * MiB });

describe('RSS per stage over a phase', () => {
  it('fits a slope by least squares', () => {
    expect(slope([])).toBe(0);
    expect(slope([[1, 5]])).toBe(0);
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(
      slope([
        [0, 4],
        [1, 4],
        [2, 4],
      ]),
    ).toBe(0);
  });

  it('reports start, peak, end and MiB per minute of each stage inside the span only', () => {
    const samples = [
      at(5, 'projector', 999), // before the span
      ...Array.from({ length: 11 }, (_, i) => at(10 + i * 6, 'projector', 300 + i)),
      ...Array.from({ length: 11 }, (_, i) => at(10 + i * 6, 'anomalies', i < 5 ? 200 + 20 * i : 280)),
      at(200, 'projector', 999), // after it
    ];
    const trends = rssTrends(samples, 10, 70);
    // One MiB every 6 s: 10 MiB a minute, over the whole span and over its second half.
    expect(trends.projector).toEqual({
      samples: 11,
      startMiB: 300,
      peakMiB: 310,
      endMiB: 310,
      slopeMiBPerMin: 10,
      lateSlopeMiBPerMin: 10,
    });
    // Grows while the heap fills, then flat: the late slope tells them apart.
    expect(trends.anomalies?.slopeMiBPerMin).toBeGreaterThan(50);
    expect(trends.anomalies?.lateSlopeMiBPerMin).toBe(0);
    expect(trends.anomalies?.peakMiB).toBe(280);
  });

  it('prints the sample nearest each step per stage, and a dash where a stage has none', () => {
    const table = formatRssTable([at(0, 'a', 100), at(9, 'a', 120), at(11, 'a', 130)], ['a', 'b'], 0, 10, 10);
    expect(table.split('\n')).toEqual(['t(s)    a  b', '   0  100  -', '  10  120  -']);
  });
});
