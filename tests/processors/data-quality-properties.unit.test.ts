import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { DataQualityOptions, DataQualityOutput } from '../../processors/data-quality/index.ts';
import {
  createDataQualityChecker,
  DEFAULT_QUALITY_RULES,
  dataQuality,
  resolveDataQualityOptions,
} from '../../processors/data-quality/index.ts';
import type { MeterKind, SensorReading } from '../../schemas/index.ts';
import { READING_UNITS } from '../../schemas/index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.UTC(2016, 0, 1);

const METERS: readonly { meterId: string; buildingId: string; meterKind: MeterKind }[] = [
  { meterId: 'B1:e', buildingId: 'B1', meterKind: 'electricity' },
  { meterId: 'B1:cw', buildingId: 'B1', meterKind: 'chilled_water' },
  { meterId: 'B1:w', buildingId: 'B1', meterKind: 'water' },
  { meterId: 'B2:g', buildingId: 'B2', meterKind: 'gas' },
  { meterId: 'B2:pv', buildingId: 'B2', meterKind: 'solar' },
];

function meterAt(i: number) {
  const m = METERS[i % METERS.length];
  if (m === undefined) throw new Error('no meters');
  return m;
}

/**
 * Messy input: any meter, any unit (also of the wrong dimension), times on a coarse grid over 3 days
 * (so duplicates, reorderings, gaps and far jumps occur), values from negative to huge, repeated values.
 */
const messyReadings: fc.Arbitrary<SensorReading[]> = fc
  .array(
    fc.record({
      meter: fc.nat(METERS.length - 1),
      slot: fc.nat(72 * 2),
      unit: fc.constantFrom(...READING_UNITS),
      value: fc.oneof(fc.constantFrom(0, 5, 5, 5, -1, 1e7), fc.double({ min: -10, max: 1e6, noNaN: true })),
    }),
    { minLength: 1, maxLength: 150 },
  )
  .map((specs) =>
    specs.map(({ meter, slot, unit, value }, i) => ({
      ...meterAt(meter),
      eventId: `r${i}`,
      occurredAt: new Date(START + slot * 30 * MIN),
      source: 'test',
      value,
      unit,
    })),
  );

/**
 * Clean input: each meter hourly with up to ±10 minutes of jitter, in its canonical unit, values in
 * [50, 150] with no two consecutive equal (no flatline, no spike: 5 × median ≥ 250), merged in event
 * time across meters (so no reading is ahead of the stream).
 */
const cleanReadings: fc.Arbitrary<SensorReading[]> = fc
  .array(
    fc.record({
      offsetMin: fc.integer({ min: 0, max: 59 }),
      values: fc.array(
        fc.record({
          value: fc.double({ min: 50, max: 149, noNaN: true }),
          jitter: fc.integer({ min: -10, max: 10 }),
        }),
        { minLength: 1, maxLength: 60 },
      ),
    }),
    { minLength: METERS.length, maxLength: METERS.length },
  )
  .map((perMeter) =>
    perMeter
      .flatMap(({ offsetMin, values }, m) => {
        const meter = meterAt(m);
        let previous = Number.NaN;
        return values.map(({ value, jitter }, i) => {
          const v = value === previous ? value + 1 : value;
          previous = v;
          return {
            ...meter,
            eventId: `${meter.meterId}#${i}`,
            occurredAt: new Date(START + offsetMin * MIN + i * HOUR + jitter * MIN),
            source: 'test',
            value: v,
            unit: DEFAULT_QUALITY_RULES[meter.meterKind].canonicalUnit,
          } satisfies SensorReading;
        });
      })
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.eventId.localeCompare(b.eventId)),
  );

function check(
  readings: readonly SensorReading[],
  options: DataQualityOptions = {},
): Promise<DataQualityOutput[]> {
  return lastValueFrom(from(readings).pipe(dataQuality(options), toArray()));
}

const options: DataQualityOptions = { rules: { byBuilding: { B2: { max: 1000 } } } };

describe('dataQuality properties', () => {
  it('emits every input reading exactly once, in input order, with its eventId, a consistent unit and flags', async () => {
    await fc.assert(
      fc.asyncProperty(messyReadings, async (readings) => {
        const out = await check(readings, options);
        const emitted = out.flatMap((o) => (o.kind === 'reading' ? [o.reading] : []));
        expect(emitted.map((r) => r.eventId)).toEqual(readings.map((r) => r.eventId));
        for (const [i, r] of emitted.entries()) {
          const input = readings[i];
          expect(r.occurredAt).toEqual(input?.occurredAt);
          expect(r.qualityFlags).toBeDefined();
          // Either normalised to the canonical unit, or left exactly as sent and flagged suspect.
          const canonical = DEFAULT_QUALITY_RULES[r.meterKind].canonicalUnit;
          if (r.unit !== canonical) {
            expect(r).toMatchObject({ unit: input?.unit, value: input?.value });
            expect(r.qualityFlags).toContain('suspect');
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic: two runs give identical output, issue ids included, and ids are unique', async () => {
    await fc.assert(
      fc.asyncProperty(messyReadings, async (readings) => {
        const first = await check(readings, options);
        const second = await check(readings, options);
        expect(second).toEqual(first);
        const ids = first.flatMap((o) => (o.kind === 'issue' ? [o.issue.eventId] : []));
        // Distinct readings (distinct eventIds here) never share an issue id.
        expect(new Set(ids).size).toBe(ids.length);
      }),
      { numRuns: 100 },
    );
  });

  it('every issue about a reading flags that reading (except unit changes and duplicates info)', async () => {
    await fc.assert(
      fc.asyncProperty(messyReadings, async (readings) => {
        const out = await check(readings, options);
        let flags: readonly string[] = [];
        for (const o of out) {
          if (o.kind === 'reading') {
            flags = o.reading.qualityFlags ?? [];
            continue;
          }
          const expected: Partial<Record<string, string>> = {
            out_of_range: 'out_of_range',
            duplicate: 'duplicate',
            future_timestamp: 'future_timestamp',
            spike: 'spike',
            stuck_value: 'stuck',
          };
          const flag = expected[o.issue.issueKind];
          if (flag !== undefined) expect(flags).toContain(flag);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('raises no issue and no flag on clean, monotone, plausible series', async () => {
    await fc.assert(
      fc.asyncProperty(cleanReadings, async (readings) => {
        const out = await check(readings);
        expect(out.filter((o) => o.kind === 'issue')).toEqual([]);
        for (const o of out) if (o.kind === 'reading') expect(o.reading.qualityFlags).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps per-meter memory within the ring buffers however long the stream', () => {
    fc.assert(
      fc.property(messyReadings, fc.integer({ min: 1, max: 10 }), (readings, duplicateWindow) => {
        const checker = createDataQualityChecker(
          resolveDataQualityOptions({
            rules: { byKind: { electricity: { duplicateWindow, spikeWindow: 4 } } },
          }),
        );
        for (const r of readings) checker.ingest(r);
        for (const m of METERS) {
          const held = checker.heldFor(m.meterId);
          if (held === undefined) continue;
          const limits = m.meterKind === 'electricity' ? [duplicateWindow, 4] : [168, 24];
          expect(held.timestamps).toBeLessThanOrEqual(limits[0] ?? 0);
          expect(held.values).toBeLessThanOrEqual(limits[1] ?? 0);
        }
      }),
      { numRuns: 100 },
    );
  });
});
