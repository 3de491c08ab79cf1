import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RecommendationContext } from '../../projections/analytics/recommendations/index.ts';
import { flatlinedMeter } from '../../projections/analytics/recommendations/rules/index.ts';
import { median, percentRank, quantile, slope } from '../../projections/analytics/statistics.ts';
import { RULES, shapeDistance } from '../../projections/index.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2016, 0, 4);

/** A context holding only one meter's daily windows: `flat[i]` says whether day i held one value. */
function dailyContext(flat: readonly boolean[]): RecommendationContext {
  return {
    building: { buildingId: 'B', primaryUse: 'Office', floorAreaM2: 100, timezone: 'UTC', stationId: null },
    from: new Date(T0),
    to: new Date(T0 + flat.length * DAY),
    meterHours: [],
    meterDays: [
      {
        meterId: 'B:e0',
        meterKind: 'electricity',
        unit: 'kWh',
        days: flat.map((f, i) => ({
          start: new Date(T0 + i * DAY),
          end: new Date(T0 + (i + 1) * DAY),
          min: 7,
          max: f ? 7 : 9,
          count: 24,
        })),
      },
    ],
    profile: undefined,
    peerProfiles: [],
    stuckIssues: [{ eventId: 'issue-1', meterId: 'B:e0', occurredAt: new Date(T0 + 2 * DAY) }],
    anomalies: [],
    temperatures: new Map(),
  };
}

describe('analytics statistics', () => {
  it('quantiles interpolate as percentile_cont, percent_rank counts the others below', () => {
    expect(quantile([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 12);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(percentRank(3, [1, 2, 3, 4, 5])).toBe(50);
    expect(percentRank(1, [1])).toBe(0);
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2, 12);
    expect(slope([1, 1], [1, 2])).toBeNaN();
  });

  it('a shape and the same shape scaled are at distance 0; the RMS difference otherwise', () => {
    const a = [0.5, 1.5, 1, 1];
    expect(
      shapeDistance(
        a,
        a.map((x) => x),
      ),
    ).toBe(0);
    expect(shapeDistance([1, 1, 1, 1], [0, 2, 1, 1])).toBeCloseTo(Math.sqrt(2 / 4), 12);
  });
});

describe('flatlined-meter rule', () => {
  it('fires on three flat days in a row, citing the stuck-value issue in the run, and not on two', () => {
    const [rec, ...more] = flatlinedMeter.evaluate(dailyContext([false, true, true, true, false]));
    expect(more).toEqual([]);
    expect(rec?.evidence.ranges[0]).toMatchObject({ from: new Date(T0 + DAY), to: new Date(T0 + 4 * DAY) });
    expect(rec?.evidence.dataQualityIssueIds).toEqual(['issue-1']);
    expect(flatlinedMeter.evaluate(dailyContext([true, true, false, true, true]))).toEqual([]);
  });
});

describe('docs/analytics.md', () => {
  const docs = readFileSync(new URL('../../docs/analytics.md', import.meta.url), 'utf8');
  it.each(RULES.map((r) => [r.id, r] as const))('lists rule %s with each of its thresholds', (id, rule) => {
    const row = docs.split('\n').find((line) => line.startsWith(`| \`${id}\``));
    expect(row, `a table row for ${id}`).toBeDefined();
    for (const [name, t] of Object.entries(rule.thresholds)) {
      expect(row, `${id}.${name} = ${t.value}`).toMatch(
        new RegExp(`\\b${String(t.value).replace('.', '\\.')}\\b`),
      );
    }
  });
});
