import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CurrentWeatherChanges,
  type CurrentWeatherTopic,
  combineCurrentWeatherChanges,
  currentWeatherProjection as projection,
} from '../../projections/current-weather/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';

const START = Date.UTC(2026, 0, 5);
type Event = ProjectionEvent<CurrentWeatherTopic>;

/** Observations of two stations with gaps (null fields) and late arrivals, plus building registrations. */
const logArb: fc.Arbitrary<Event[]> = fc
  .array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('obs' as const),
          station: fc.nat(1),
          minute: fc.nat(30),
          temperatureC: fc.option(fc.integer({ min: -20, max: 35 })),
          windSpeedKmh: fc.option(fc.nat(80)),
          conditions: fc.option(fc.constantFrom('clear', 'light rain', 'fog|mist')),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('building' as const),
          building: fc.nat(2),
          station: fc.option(fc.nat(1)),
        }),
      },
    ),
    { maxLength: 60 },
  )
  .map((specs) => {
    const next = new Map<string, number>();
    const offsetIn = (p: string) => {
      const o = next.get(p) ?? 0;
      next.set(p, o + 1);
      return String(o);
    };
    return specs.map(
      (s, i): Event =>
        s.kind === 'obs'
          ? {
              topic: 'weatherObservations',
              partition: s.station,
              offset: offsetIn(`w${s.station}`),
              event: {
                eventId: `o-${i}`,
                occurredAt: new Date(START + s.minute * 60_000),
                source: 'test',
                stationId: `ST${s.station}`,
                temperatureC: s.temperatureC,
                windSpeedKmh: s.windSpeedKmh,
                conditions: s.conditions,
              },
            }
          : {
              topic: 'buildings',
              partition: s.building % 2,
              offset: offsetIn(`b${s.building % 2}`),
              event: {
                eventId: `b-${i}`,
                occurredAt: new Date(START),
                source: 'test',
                buildingId: `B${s.building}`,
                primaryUse: 'Office',
                timezone: 'UTC',
                weatherStationId: s.station === null ? null : `ST${s.station}`,
              },
            },
    );
  });

const fold = (events: readonly Event[]): CurrentWeatherChanges =>
  events.reduce(projection.evolve, projection.initial());

describe('current weather evolve', () => {
  it('gives the same store state however batched, ordered or re-applied', () => {
    fc.assert(
      fc.property(
        logArb.chain((log) =>
          fc.tuple(fc.constant(log), fc.shuffledSubarray(log, { minLength: log.length }), fc.nat(log.length)),
        ),
        ([log, shuffled, cut]) => {
          const whole = fold(log);
          expect(combineCurrentWeatherChanges(fold(log.slice(0, cut)), fold(log.slice(cut)))).toEqual(whole);
          expect(fold(shuffled)).toEqual(whole);
          expect(combineCurrentWeatherChanges(whole, fold(log.slice(cut)))).toEqual(whole);
        },
      ),
    );
  });

  it('keeps each measurement at its newest non-null value and each building at its furthest registration', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        const whole = fold(log);
        const obs = log.filter(
          (e): e is Extract<Event, { topic: 'weatherObservations' }> => e.topic === 'weatherObservations',
        );
        for (const station of ['ST0', 'ST1']) {
          const own = obs.filter((o) => o.event.stationId === station);
          const newestWith = (has: (o: (typeof own)[number]) => boolean) =>
            own
              .filter(has)
              .reduce<(typeof own)[number] | undefined>(
                (a, b) =>
                  a === undefined ||
                  b.event.occurredAt > a.event.occurredAt ||
                  (b.event.occurredAt.getTime() === a.event.occurredAt.getTime() &&
                    Number(b.offset) > Number(a.offset))
                    ? b
                    : a,
                undefined,
              );
          const t = newestWith((o) => o.event.temperatureC !== null && o.event.temperatureC !== undefined);
          expect(whole.stationFields.get(`${station}\u0000temperatureC`)?.payload).toBe(
            t === undefined ? undefined : `${t.event.eventId}|${t.event.temperatureC}`,
          );
          expect(whole.stationFields.get(`${station}\u0000observation`)?.payload.split('|')[0]).toBe(
            newestWith(() => true)?.event.eventId,
          );
        }
        for (const e of log) {
          if (e.topic !== 'buildings') continue;
          const last = log
            .filter(
              (x): x is Extract<Event, { topic: 'buildings' }> =>
                x.topic === 'buildings' && x.event.buildingId === e.event.buildingId,
            )
            .at(-1);
          expect(whole.buildings.get(e.event.buildingId)?.stationId).toBe(
            last?.event.weatherStationId ?? null,
          );
        }
      }),
    );
  });
});
