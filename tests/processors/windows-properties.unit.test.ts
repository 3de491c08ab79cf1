import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AggregateWindowsOptions } from '../../processors/windows/index.ts';
import {
  aggregateWindows,
  isDeltaAggregate,
  mergeAggregate,
  WINDOW_SIZE_MS,
} from '../../processors/windows/index.ts';
import type { MeterKind, ReadingAggregate, ReadingUnit, SensorReading } from '../../schemas/index.ts';
import { WINDOW_SIZES } from '../../schemas/index.ts';

const MIN = 60_000;
const START = Date.UTC(2015, 0, 1);

/** Meters of two buildings; B1 has two kWh electricity meters and one in MJ, which must not be summed with them. */
const METERS: readonly { meterId: string; buildingId: string; meterKind: MeterKind; unit: ReadingUnit }[] = [
  { meterId: 'B1:e1', buildingId: 'B1', meterKind: 'electricity', unit: 'kWh' },
  { meterId: 'B1:e2', buildingId: 'B1', meterKind: 'electricity', unit: 'kWh' },
  { meterId: 'B1:e3', buildingId: 'B1', meterKind: 'electricity', unit: 'MJ' },
  { meterId: 'B1:g', buildingId: 'B1', meterKind: 'gas', unit: 'm3' },
  { meterId: 'B2:e1', buildingId: 'B2', meterKind: 'electricity', unit: 'kWh' },
];

/** Readings over 30 hours in 5-minute slots: dense enough that duplicates (meter, time) and reorderings occur. */
function readingsArb(value: fc.Arbitrary<number>): fc.Arbitrary<SensorReading[]> {
  return fc
    .array(fc.record({ meter: fc.nat(METERS.length - 1), slot: fc.nat(30 * 12), value }), {
      minLength: 20,
      maxLength: 80,
      size: 'max',
    })
    .map((specs) =>
      specs.map(({ meter, slot, value }, i) => {
        const m = METERS[meter] ?? METERS[0];
        if (m === undefined) throw new Error('no meters');
        return {
          ...m,
          eventId: `reading-${i}`,
          occurredAt: new Date(START + slot * 5 * MIN),
          source: 'test',
          value,
        };
      }),
    );
}

/** Arrival order with every reading at most `maxDelay` behind: sorted by time + a random delay. */
function delayedOrder<T extends SensorReading>(readings: readonly T[], delays: readonly number[]): T[] {
  return readings
    .map((r, i) => ({ r, key: r.occurredAt.getTime() + (delays[i] ?? 0), i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map((x) => x.r);
}

function aggregate(readings: readonly SensorReading[], options: AggregateWindowsOptions) {
  return lastValueFrom(from(readings).pipe(aggregateWindows(options), toArray()));
}

function windowOf(a: ReadingAggregate): string {
  return [
    a.meterId ?? a.buildingId,
    a.meterId === null ? 'building' : 'meter',
    a.meterKind,
    a.unit,
    a.windowSize,
    a.windowStart.toISOString(),
  ].join('|');
}

type Stats = { sum: number; mean: number; min: number; max: number; count: number };

/**
 * The batch answer, computed directly: dedup by (meter, time) keeping the last to arrive, group by
 * window and key, sum each group in (time, meterId) order.
 */
function batch(
  arrival: readonly SensorReading[],
  scopes: readonly ('meter' | 'building')[],
): Map<string, Stats> {
  const latest = new Map<string, SensorReading>();
  for (const r of arrival) latest.set(`${r.meterId}|${r.occurredAt.getTime()}`, r);
  const groups = new Map<string, SensorReading[]>();
  for (const r of latest.values()) {
    for (const scope of scopes) {
      for (const size of WINDOW_SIZES) {
        const ms = WINDOW_SIZE_MS[size];
        const start = new Date(Math.floor(r.occurredAt.getTime() / ms) * ms).toISOString();
        const id = [
          scope === 'meter' ? r.meterId : r.buildingId,
          scope,
          r.meterKind,
          r.unit,
          size,
          start,
        ].join('|');
        groups.set(id, [...(groups.get(id) ?? []), r]);
      }
    }
  }
  const result = new Map<string, Stats>();
  for (const [id, rs] of groups) {
    rs.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.meterId < b.meterId ? -1 : 1));
    const sum = rs.reduce((s, r) => s + r.value, 0);
    const values = rs.map((r) => r.value);
    result.set(id, {
      sum,
      mean: sum / rs.length,
      min: Math.min(...values),
      max: Math.max(...values),
      count: rs.length,
    });
  }
  return result;
}

/** What a consumer following the contract ends up with: every event applied once through mergeAggregate. */
function finalStats(out: readonly ReadingAggregate[]): Map<string, Stats> {
  const stored = new Map<string, ReadingAggregate>();
  for (const a of out) {
    const merged = mergeAggregate(stored.get(windowOf(a)), a);
    stored.set(windowOf(a), merged);
  }
  return new Map(
    [...stored].map(([id, { sum, mean, min, max, count }]) => [id, { sum, mean, min, max, count }]),
  );
}

const MAX_OUT_OF_ORDER = 45 * MIN;
const options: AggregateWindowsOptions = {
  windowSizes: WINDOW_SIZES,
  scope: 'both',
  maxOutOfOrderMs: MAX_OUT_OF_ORDER,
  allowedLatenessMs: 0,
};

describe('aggregateWindows properties', () => {
  it('input shuffled within maxOutOfOrder gives exactly the batch group-by, once per window, as sorted input does', async () => {
    await fc.assert(
      fc.asyncProperty(
        readingsArb(
          // Thirds and tenths make the sum's rounding depend on the order of addition.
          fc.oneof(
            fc.double({ min: 0, max: 1e6, noNaN: true }),
            fc.nat(3e6).map((n) => n / 3 + 0.1),
          ),
        ),
        fc.array(fc.nat(MAX_OUT_OF_ORDER), { minLength: 80, maxLength: 80 }),
        async (readings, delays) => {
          const arrival = delayedOrder(readings, delays);
          const out = await aggregate(arrival, options);
          // No reading is late, so every window is stated once, as revision 0.
          expect(out.every((a) => a.revision === 0 && !a.isCorrection)).toBe(true);
          expect(new Set(out.map(windowOf)).size).toBe(out.length);
          expect(finalStats(out)).toEqual(batch(arrival, ['meter', 'building']));
          // Identical events to sorted input (a stable sort keeps the arrival order of duplicates).
          const sorted = [...arrival].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
          expect(out).toEqual(await aggregate(sorted, options));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the counts of the final windows of each size add up to the distinct (meter, time) readings', async () => {
    await fc.assert(
      fc.asyncProperty(
        readingsArb(fc.integer({ min: 0, max: 1000 })),
        fc.array(fc.nat(MAX_OUT_OF_ORDER), { minLength: 80, maxLength: 80 }),
        async (readings, delays) => {
          const out = await aggregate(delayedOrder(readings, delays), options);
          const distinct = new Set(readings.map((r) => `${r.meterId}|${r.occurredAt.getTime()}`)).size;
          for (const size of WINDOW_SIZES) {
            for (const meterScope of [true, false]) {
              const count = out
                .filter((a) => a.windowSize === size && (a.meterId !== null) === meterScope)
                .reduce((n, a) => n + a.count, 0);
              expect(count).toBe(distinct);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('in any arrival order nothing is dropped: merging all events gives the batch stats, with unique event ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Distinct (meter, time): past allowed lateness duplicates cannot be recognised (documented).
        readingsArb(fc.integer({ min: 0, max: 1_000_000 })).map((rs) =>
          rs.filter(
            (r, i) => rs.findIndex((o) => o.meterId === r.meterId && +o.occurredAt === +r.occurredAt) === i,
          ),
        ),
        fc.array(fc.nat(40 * 60 * MIN), { minLength: 80, maxLength: 80 }),
        fc.record({
          maxOutOfOrderMs: fc.nat(30 * MIN),
          allowedLatenessMs: fc.nat(8 * 60 * MIN),
          correctionHorizonMs: fc.nat(6 * 60 * MIN),
        }),
        async (readings, delays, timing) => {
          const opts = { ...options, ...timing };
          const arrival = delayedOrder(readings, delays);
          const out = await aggregate(arrival, opts);
          expect(new Set(out.map((a) => a.eventId)).size).toBe(out.length);
          expect(finalStats(out)).toEqual(batch(arrival, ['meter', 'building']));
          // Per window: full statements climb by one revision, deltas only follow them.
          const last = new Map<string, ReadingAggregate>();
          for (const a of out) {
            const before = last.get(windowOf(a));
            if (isDeltaAggregate(a)) expect(a.isCorrection).toBe(true);
            else expect(a.revision).toBe(before === undefined ? 0 : before.revision + 1);
            if (before !== undefined && isDeltaAggregate(before)) expect(isDeltaAggregate(a)).toBe(true);
            last.set(windowOf(a), a);
          }
          // Deterministic: a second run (a replay) yields identical events and ids.
          expect(await aggregate(arrival, opts)).toEqual(out);
        },
      ),
      { numRuns: 200 },
    );
  });
});
