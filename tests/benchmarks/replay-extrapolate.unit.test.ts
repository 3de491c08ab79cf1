import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BDG2_YEAR,
  extrapolateSeconds,
  scaleEvents,
  streamingRate,
  timingFromProgress,
  totalEvents,
} from '../../benchmarks/replay/extrapolate.ts';

describe('replay extrapolation', () => {
  it('a year of BDG2 holds 26.7 M hourly readings', () => {
    const oneReadingPerMeterHour = { perMeterDay: 24, perDay: 0, once: 0 };
    const year = scaleEvents(oneReadingPerMeterHour, { meters: 1, days: 1 }, BDG2_YEAR);
    expect(totalEvents(year)).toBe(26_744_280);
  });

  it('scales readings with meters × days, weather with days, registrations not at all', () => {
    const scaled = scaleEvents(
      { perMeterDay: 720_000, perDay: 1_368, once: 1_636 },
      { meters: 3_000, days: 3 },
      { meters: 6_000, days: 30 },
    );
    expect(scaled).toEqual({ perMeterDay: 14_400_000, perDay: 13_680, once: 1_636 });
  });

  it('scaling to the measured shape changes nothing, and scaling is monotone in both dimensions', () => {
    const counts = fc.record({
      perMeterDay: fc.nat({ max: 10_000_000 }),
      perDay: fc.nat({ max: 100_000 }),
      once: fc.nat({ max: 10_000 }),
    });
    const shape = fc.record({
      meters: fc.integer({ min: 1, max: 5_000 }),
      days: fc.integer({ min: 1, max: 400 }),
    });
    fc.assert(
      fc.property(counts, shape, shape, (c, from, to) => {
        const same = scaleEvents(c, from, from);
        expect(totalEvents(same)).toBeCloseTo(totalEvents(c), 6);
        const bigger = scaleEvents(c, from, { meters: to.meters + from.meters, days: to.days + from.days });
        expect(totalEvents(bigger)).toBeGreaterThanOrEqual(totalEvents(scaleEvents(c, from, to)) - 1e-6);
      }),
    );
  });

  it('extrapolates the streaming part linearly and adds the fixed cost once', () => {
    const timing = { events: 600_000, seconds: 64, fixedSeconds: 4 };
    expect(streamingRate(timing)).toBe(10_000);
    expect(extrapolateSeconds(timing, 26_744_280)).toBeCloseTo(4 + 2_674.428, 6);
    // Replaying what was measured takes what was measured.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0.1, max: 1_000, noNaN: true }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (events, seconds, fixedShare) => {
          const t = { events, seconds, fixedSeconds: seconds * fixedShare };
          expect(extrapolateSeconds(t, events)).toBeCloseTo(seconds, 6);
        },
      ),
    );
  });

  it('refuses a measurement it cannot divide by', () => {
    expect(() => streamingRate({ events: 0, seconds: 10, fixedSeconds: 1 })).toThrow(RangeError);
    expect(() => streamingRate({ events: 10, seconds: 2, fixedSeconds: 2 })).toThrow(RangeError);
    expect(() =>
      scaleEvents({ perMeterDay: 1, perDay: 1, once: 1 }, { meters: 0, days: 1 }, BDG2_YEAR),
    ).toThrow(RangeError);
  });

  it('reads the fixed cost and the streaming rate off a replay whose progress was sampled', () => {
    // 5 s of start-up, then 1,000 events/s for 100 s, sampled every second, after a rewind that
    // first shows the old, finished offsets.
    const samples = [
      { seconds: 0, done: 1 },
      { seconds: 1, done: 1 },
      ...Array.from({ length: 106 }, (_, i) => ({
        seconds: i + 2,
        done: Math.min(1, Math.max(0, i + 2 - 5) / 100),
      })),
    ];
    const timing = timingFromProgress(samples, 100_000, 105);
    expect(timing?.fixedSeconds).toBeCloseTo(5, 6);
    expect(timing && streamingRate(timing)).toBeCloseTo(1_000, 6);
  });

  it('falls back (undefined) when the samples never cross both marks', () => {
    expect(timingFromProgress([], 10, 1)).toBeUndefined();
    expect(timingFromProgress([{ seconds: 1, done: 0.5 }], 10, 1)).toBeUndefined();
    expect(
      timingFromProgress(
        [
          { seconds: 1, done: 0 },
          { seconds: 2, done: 0.05 },
        ],
        10,
        2,
      ),
    ).toBeUndefined();
  });
});
