import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnomalyFeedChanges,
  combineAnomalyFeedChanges,
  createAnomalyFeedProjection,
} from '../../projections/anomaly-feed/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';

const START = Date.UTC(2026, 0, 5);
type Event = ProjectionEvent<'anomalies'>;

/** Anomalies of three buildings, several at the same event time (ties broken by event id), ids unique. */
const logArb: fc.Arbitrary<Event[]> = fc
  .array(fc.record({ building: fc.nat(2), minute: fc.nat(40), id: fc.nat(10_000) }), { maxLength: 60 })
  .map((specs) => {
    const seen = new Set<number>();
    return specs
      .filter((s) => !seen.has(s.id) && seen.add(s.id))
      .map(
        (s, i): Event => ({
          topic: 'anomalies',
          partition: s.building,
          offset: String(i),
          event: {
            eventId: `00000000-0000-4000-8000-${String(s.id).padStart(12, '0')}`,
            occurredAt: new Date(START + s.minute * 60_000),
            source: 'test',
            buildingId: `B${s.building}`,
            meterId: `B${s.building}:e`,
            meterKind: 'electricity',
            unit: 'kWh',
            readingAt: new Date(START + s.minute * 60_000),
            observedValue: 100 + s.id,
            expectedLow: 10,
            expectedHigh: 50,
            score: 4.2,
            method: 'median-mad-hour-of-week',
            baselineSamples: 40,
          },
        }),
      );
  });

const newestFirst = (a: Event, b: Event) =>
  b.event.occurredAt.getTime() - a.event.occurredAt.getTime() || (b.event.eventId > a.event.eventId ? 1 : -1);

describe('anomaly feed evolve', () => {
  it('holds the newest N per building and overall, however batched, ordered or re-applied', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        logArb.chain((log) =>
          fc.tuple(fc.constant(log), fc.shuffledSubarray(log, { minLength: log.length }), fc.nat(log.length)),
        ),
        (cap, [log, shuffled, cut]) => {
          const p = createAnomalyFeedProjection({ cap });
          const fold = (events: readonly Event[]): AnomalyFeedChanges => events.reduce(p.evolve, p.initial());
          const whole = fold(log);
          const split = combineAnomalyFeedChanges(fold(log.slice(0, cut)), fold(log.slice(cut)));
          expect(split).toEqual(whole);
          expect(fold(shuffled)).toEqual(whole);
          expect(combineAnomalyFeedChanges(whole, fold(log.slice(0, cut)))).toEqual(whole);

          const expected = [...log].sort(newestFirst).slice(0, cap);
          expect(whole.overall.map((e) => e.eventId)).toEqual(expected.map((e) => e.event.eventId));
          for (const [building, list] of whole.byBuilding) {
            const own = log
              .filter((e) => e.event.buildingId === building)
              .sort(newestFirst)
              .slice(0, cap);
            expect(list.map((e) => e.eventId)).toEqual(own.map((e) => e.event.eventId));
          }
        },
      ),
    );
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => createAnomalyFeedProjection({ cap: 0 })).toThrow(/positive integer/);
    expect(() => createAnomalyFeedProjection({ cap: 2.5 })).toThrow(/positive integer/);
  });
});
