import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildingSeries, createTopicRates, isPipelineAdmin, principal } from '../../mcp-adapter/index.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2016, 2, 1);

describe('topic rates', () => {
  it('needs two views a second apart, then gives the growth per second since the oldest kept view', () => {
    const rates = createTopicRates();
    expect(rates.observe('t', 100n, 0)).toBeUndefined();
    expect(rates.observe('t', 150n, 500)).toBeUndefined();
    expect(rates.observe('t', 300n, 2000)).toBe(100);
    // Other topics are measured apart.
    expect(rates.observe('u', 5n, 2000)).toBeUndefined();
  });

  it('forgets views older than five minutes and a log that shrank (topic recreated)', () => {
    const rates = createTopicRates();
    rates.observe('t', 0n, 0);
    expect(rates.observe('t', 600n, 301_000)).toBeUndefined();
    expect(rates.observe('t', 10n, 302_000)).toBeUndefined();
    expect(rates.observe('t', 20n, 304_000)).toBe(5);
  });

  it('is never negative and equals the true rate for any steady growth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 60 }),
        (perSecond, seconds) => {
          const rates = createTopicRates();
          rates.observe('t', 0n, 0);
          const rate = rates.observe('t', BigInt(perSecond * seconds), seconds * 1000);
          expect(rate).toBeCloseTo(perSecond, 9);
        },
      ),
    );
  });
});

describe('building series', () => {
  it('lays consumption per kind and the temperature on one hourly axis, with the marks at their readings', () => {
    const series = buildingSeries(
      'B',
      { from: new Date(T0), to: new Date(T0 + 3 * HOUR) },
      [
        {
          start: new Date(T0),
          end: new Date(T0 + HOUR),
          meterKind: 'electricity',
          unit: 'kWh',
          total: 5,
          readings: 2,
          meters: 2,
        },
        {
          start: new Date(T0 + 2 * HOUR),
          end: new Date(T0 + 3 * HOUR),
          meterKind: 'electricity',
          unit: 'kWh',
          total: 7,
          readings: 2,
          meters: 2,
        },
        {
          start: new Date(T0 + HOUR),
          end: new Date(T0 + 2 * HOUR),
          meterKind: 'gas',
          unit: 'kWh',
          total: 1,
          readings: 1,
          meters: 1,
        },
      ],
      [
        { hourStart: new Date(T0), temperatureC: 3 },
        { hourStart: new Date(T0 + HOUR), temperatureC: null },
      ],
      [
        {
          eventId: 'a',
          occurredAt: new Date(T0 + 2 * HOUR + 5),
          buildingId: 'B',
          meterId: 'B:e0',
          meterKind: 'electricity',
          unit: 'kWh',
          readingAt: new Date(T0 + 2 * HOUR),
          observedValue: 7,
          expectedLow: 1,
          expectedHigh: 2,
          score: 8,
          method: 'm',
        },
      ],
      [
        {
          meterId: 'B:e0',
          issueKind: 'gap',
          severity: 'warning',
          occurredAt: new Date(T0 + HOUR),
          readingAt: null,
        },
      ],
    );
    const s = (ms: number) => ms / 1000;
    expect(series.x).toEqual([s(T0), s(T0 + HOUR), s(T0 + 2 * HOUR)]);
    expect(series.series).toEqual([
      { label: 'electricity (kWh)', values: [5, null, 7] },
      { label: 'gas (kWh)', values: [null, 1, null] },
    ]);
    expect(series.temperature).toEqual([3, null, null]);
    expect(series.anomalies).toEqual([{ t: s(T0 + 2 * HOUR), meterId: 'B:e0', score: 8, observed: 7 }]);
    // A gap is about no single reading: marked when it was found.
    expect(series.issues).toEqual([{ t: s(T0 + HOUR), meterId: 'B:e0', kind: 'gap', severity: 'warning' }]);
  });

  it('has no temperature line when the caller may not read weather', () => {
    const series = buildingSeries(
      'B',
      { from: new Date(T0), to: new Date(T0 + HOUR) },
      [],
      undefined,
      [],
      [],
    );
    expect(series.temperature).toBeNull();
    expect(series.x).toEqual([]);
  });
});

describe('who gets the pipeline pages', () => {
  it('an admin of every tenant only, as the MCP admin tools', () => {
    expect(isPipelineAdmin(principal('a', 'admin', '*'))).toBe(true);
    expect(isPipelineAdmin(principal('a', 'admin', 'acme'))).toBe(false);
    expect(isPipelineAdmin(principal('a', 'admin', '*', ['energy:read']))).toBe(false);
    for (const role of ['viewer', 'analyst', 'operator', 'approver'] as const)
      expect(isPipelineAdmin(principal('v', role, '*'))).toBe(false);
  });
});
