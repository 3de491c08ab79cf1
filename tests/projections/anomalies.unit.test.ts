import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anomaliesProjection, mergeAnomaliesChanges } from '../../projections/anomalies/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { cutInto, cutsArb, entries, foldBatch } from '../support/fold-batches.ts';

const START = Date.UTC(2016, 0, 1);

/** Detections in log order; ids repeat (producer retries), the copies further along carrying other bytes. */
const eventsArb: fc.Arbitrary<ProjectionEvent<'anomalies'>[]> = fc
  .array(
    fc.record({ id: fc.nat(15), meter: fc.nat(3), score: fc.double({ min: 3, max: 50, noNaN: true }) }),
    {
      minLength: 1,
      maxLength: 60,
    },
  )
  .map((specs) =>
    specs.map((s, i) => ({
      topic: 'anomalies',
      partition: s.meter % 3,
      offset: String(i),
      event: {
        eventId: `00000000-0000-4000-8000-${String(s.id).padStart(12, '0')}`,
        occurredAt: new Date(START + i * 60_000),
        source: 'anomaly-detector',
        buildingId: 'B1',
        meterId: `B1:m${s.meter}`,
        meterKind: 'electricity',
        unit: 'kWh',
        readingAt: new Date(START + i * 60_000 - 3_600_000),
        observedValue: 100 + i,
        expectedLow: 10,
        expectedHigh: 50,
        score: s.score,
        method: 'median-mad-hour-of-week',
        baselineSamples: 28,
      },
    })),
  );

describe('anomalies projection: evolve', () => {
  it('folding a batch split anywhere and applying the parts in order equals folding it whole', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const whole = foldBatch(anomaliesProjection, events);
        const applied = cutInto(events, cuts)
          .map((b) => foldBatch(anomaliesProjection, b))
          .reduce(mergeAnomaliesChanges, anomaliesProjection.initial());
        expect(entries(applied.rows)).toEqual(entries(whole.rows));
      }),
    );
  });

  it('keeps one row per event id, the first copy in the log, also when batches are redelivered', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const parts = cutInto(events, cuts).map((b) => foldBatch(anomaliesProjection, b));
        const applied = [...parts, ...parts].reduce(mergeAnomaliesChanges, anomaliesProjection.initial());
        expect(applied.rows.size).toBe(new Set(events.map((e) => e.event.eventId)).size);
        for (const [id, row] of applied.rows) {
          expect(row.sourceOffset).toBe(events.find((e) => e.event.eventId === id)?.offset);
        }
      }),
    );
  });
});
