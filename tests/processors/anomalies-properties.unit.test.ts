import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANOMALY_DEFAULTS,
  baselineOf,
  hourOfWeek,
  median,
  medianAbsoluteDeviation,
  runDetection,
} from '../../processors/anomalies/index.ts';
import type { SensorReading } from '../../schemas/index.ts';

const HOUR = 3_600_000;
const START = Date.UTC(2024, 0, 1);

const BUILDINGS: Readonly<Record<string, string>> = { B1: 'UTC', B2: 'America/New_York' };
const timezoneOf = (buildingId: string) => BUILDINGS[buildingId] ?? 'UTC';
const METERS = [
  { meterId: 'B1:m1', buildingId: 'B1' },
  { meterId: 'B1:m2', buildingId: 'B1' },
  { meterId: 'B2:m1', buildingId: 'B2' },
] as const;

function hourly(meter: (typeof METERS)[number], h: number, value: number): SensorReading {
  const at = new Date(START + (h + 1) * HOUR);
  return {
    eventId: `${meter.meterId}@${h}`,
    occurredAt: at,
    source: 'test',
    ...meter,
    meterKind: 'electricity',
    value,
    unit: 'kWh',
  };
}

/** Sparse readings over 10 weeks on few hours of the week, so slots fill up and get scored. */
const readingsArb = fc
  .array(
    fc.record({
      meter: fc.constantFrom(...METERS),
      week: fc.nat(9),
      hour: fc.constantFrom(0, 1, 9, 30, 100),
      value: fc.oneof(fc.double({ min: 0, max: 1_000, noNaN: true }), fc.constantFrom(0, 100, 5_000)),
    }),
    { minLength: 10, maxLength: 200 },
  )
  .map((specs) => specs.map((s) => hourly(s.meter, s.week * 168 + s.hour, s.value)));

describe('anomaly detection properties', () => {
  it('is deterministic: the same input gives the same output, run after run', () => {
    fc.assert(
      fc.property(readingsArb, (readings) => {
        expect(runDetection(readings, { timezoneOf })).toEqual(runDetection(readings, { timezoneOf }));
      }),
    );
  });

  it('emits nothing for a slot before it holds minSamples values, and never from fewer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 6 }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 168, maxLength: 168 }),
        readingsArb,
        (minSamples, week, more) => {
          // minSamples weeks of hourly readings: every slot is still warming up, whatever the values.
          const warmUp = Array.from({ length: minSamples * 168 }, (_, h) =>
            hourly(METERS[0], h, week[(h * 7919) % 168] ?? 0),
          );
          expect(runDetection(warmUp, { minSamples })).toEqual([]);
          for (const a of runDetection(more, { minSamples, timezoneOf })) {
            expect(a.baselineSamples).toBeGreaterThanOrEqual(minSamples);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('finds no anomaly in a constant profile with ±5 % noise (the MAD floor covers it)', () => {
    // Values in c·(1 ± 5 %) differ from any median by at most ~10.5 % of it; the default floor gives a
    // band of at least 4 · 1.4826 · 4 % ≈ 23.7 %, so not a single reading may be flagged.
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 1e5, noNaN: true }),
        fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), {
          minLength: 10 * 168,
          maxLength: 10 * 168,
        }),
        (level, noise) => {
          const readings = noise.map((n, h) => hourly(METERS[2], h, level * (1 + n)));
          expect(runDetection(readings, { timezoneOf })).toEqual([]);
        },
      ),
      { numRuns: 20 },
    );
    expect(ANOMALY_DEFAULTS.zThreshold * 1.4826 * ANOMALY_DEFAULTS.minMadFraction).toBeGreaterThan(0.11);
  });

  it('gives the same anomalies for input out of order by less than a week as for sorted input', () => {
    fc.assert(
      fc.property(
        readingsArb,
        fc.array(fc.nat(6 * 24), { minLength: 200, maxLength: 200 }),
        (readings, delays) => {
          // One reading per (meter, time): of duplicates the first to arrive wins, which is order by design.
          const unique = [...new Map(readings.map((r) => [r.eventId, r])).values()];
          const sorted = unique.sort((a, b) => +a.occurredAt - +b.occurredAt);
          const shuffled = sorted
            .map((r, i) => ({ r, key: r.occurredAt.getTime() + (delays[i] ?? 0) * HOUR, i }))
            .sort((a, b) => a.key - b.key || a.i - b.i)
            .map((x) => x.r);
          const byId = (xs: ReturnType<typeof runDetection>) =>
            [...xs].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
          // UTC buildings only: the autumn DST hour puts two readings an hour apart in one slot.
          const utc = { timezoneOf: () => 'UTC' };
          expect(byId(runDetection(shuffled, utc))).toEqual(byId(runDetection(sorted, utc)));
        },
      ),
    );
  });

  it('computes UTC slots arithmetically exactly as Intl does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5 * 365 * 24 * HOUR, max: 80 * 365 * 24 * HOUR }), (t) => {
        expect(hourOfWeek(t)).toBe(hourOfWeek(t, 'Etc/UTC'));
      }),
    );
  });

  it('keeps median and MAD order-free, the median within the range, and scores scale-free', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (values, k) => {
          const m = median(values);
          expect(m).toBeGreaterThanOrEqual(Math.min(...values));
          expect(m).toBeLessThanOrEqual(Math.max(...values));
          expect(median([...values].reverse())).toBe(m);
          expect(medianAbsoluteDeviation(values)).toBeGreaterThanOrEqual(0);
          const params = { zThreshold: 4, minMadFraction: 0.04, minMad: 0 };
          const b = baselineOf(values, params);
          const scaled = baselineOf(
            values.map((v) => v * k),
            params,
          );
          if (b.scale > 1e-9) expect(scaled.scale / b.scale).toBeCloseTo(k, 6);
        },
      ),
    );
  });
});
