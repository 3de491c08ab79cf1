import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEGREE_HOUR_BASES } from '../../processors/weather/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import {
  createWeatherProjection,
  mergeWeatherChanges,
  weatherProjection,
} from '../../projections/weather/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { cutInto, cutsArb, entries, foldBatch } from '../support/fold-batches.ts';

const START = Date.UTC(2016, 0, 1);

/** Hourly observations of 3 stations over 8 hours, some hours re-emitted further along the log. */
const eventsArb: fc.Arbitrary<ProjectionEvent<'weatherHourly'>[]> = fc
  .array(
    fc.record({
      station: fc.nat(2),
      hour: fc.nat(7),
      temperatureC: fc.option(fc.double({ min: -30, max: 40, noNaN: true }), { nil: null }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((specs) =>
    specs.map((s, i) => ({
      topic: 'weatherHourly',
      partition: s.station,
      offset: String(i),
      event: {
        eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        occurredAt: new Date(START + s.hour * HOUR_MS),
        source: 'eaio.processors.weather',
        stationId: `KBOS${s.station}`,
        temperatureC: s.temperatureC,
        precipitationMm: 0.2,
      },
    })),
  );

describe('weather projection: evolve', () => {
  it('folding a batch split anywhere and applying the parts in order equals folding it whole', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const whole = foldBatch(weatherProjection, events);
        const applied = cutInto(events, cuts)
          .map((b) => foldBatch(weatherProjection, b))
          .reduce(mergeWeatherChanges, weatherProjection.initial());
        expect(entries(applied.hours)).toEqual(entries(whole.hours));
      }),
    );
  });

  it('an older log position never wins, and degree-hours follow the hour temperature', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const parts = cutInto(events, cuts).map((b) => foldBatch(weatherProjection, b));
        const stored = [...parts, ...[...parts].reverse()].reduce(
          mergeWeatherChanges,
          weatherProjection.initial(),
        );
        for (const row of stored.hours.values()) {
          const last = events
            .filter(
              (e) =>
                e.event.stationId === row.stationId &&
                e.event.occurredAt.getTime() === row.hourStart.getTime(),
            )
            .at(-1);
          expect(row.sourceOffset).toBe(last?.offset);
          const t = row.temperatureC;
          expect([row.hdd, row.cdd]).toEqual(
            t === null
              ? [null, null]
              : [
                  Math.max(0, DEFAULT_DEGREE_HOUR_BASES.heatingBaseC - t),
                  Math.max(0, t - DEFAULT_DEGREE_HOUR_BASES.coolingBaseC),
                ],
          );
        }
      }),
    );
  });

  it('takes other degree-hour bases when given', () => {
    const projection = createWeatherProjection({ heatingBaseC: 10, coolingBaseC: 20 });
    const [event] = fc.sample(eventsArb, { numRuns: 1, seed: 1 })[0] ?? [];
    if (event === undefined) throw new Error('no event sampled');
    const row = [
      ...foldBatch(projection, [{ ...event, event: { ...event.event, temperatureC: 5 } }]).hours.values(),
    ][0];
    expect([row?.hdd, row?.cdd]).toEqual([5, 0]);
  });
});
