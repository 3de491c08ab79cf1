import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildingsProjection,
  latestReadingsProjection,
  type Positioned,
  type ProjectionEvent,
  readingsProjection,
} from '../../projections/index.ts';
import type { BuildingRegistered, SensorReading } from '../../schemas/index.ts';

// The stores' upsert rules, as pure functions: what `apply` does to existing rows or keys.
type Row<T> = Positioned<T>;
const offsetOf = (r: Row<unknown>): bigint => BigInt(r.offset);
const laterInLog = (a: Row<unknown>, b: Row<unknown>) => offsetOf(a) > offsetOf(b);
const laterInTime = (a: Row<SensorReading>, b: Row<SensorReading>) =>
  a.event.occurredAt.getTime() > b.event.occurredAt.getTime() ||
  (a.event.occurredAt.getTime() === b.event.occurredAt.getTime() && laterInLog(a, b));

function upsert<T>(
  table: Map<string, Row<T>>,
  changes: Iterable<[string, Row<T>]>,
  wins: (a: Row<T>, b: Row<T>) => boolean,
) {
  for (const [key, row] of changes) {
    const seen = table.get(key);
    if (seen === undefined || wins(row, seen)) table.set(key, row);
  }
}

interface ReadingsStore {
  readings: Map<string, Row<SensorReading>>;
  latest: Map<string, Row<SensorReading>>;
  redis: Map<string, Row<SensorReading>>;
}

/** Folds `events` batch by batch (cut at `cuts`), applying each batch's changes, optionally twice (a redelivery). */
function project(
  events: readonly ProjectionEvent<'sensorReadings'>[],
  cuts: readonly number[],
  redeliver = false,
) {
  const store: ReadingsStore = { readings: new Map(), latest: new Map(), redis: new Map() };
  const bounds = [...new Set([0, ...cuts.map((c) => c % (events.length + 1)), events.length])].sort(
    (a, b) => a - b,
  );
  for (let i = 0; i + 1 < bounds.length; i++) {
    const batch = events.slice(bounds[i], bounds[i + 1]);
    for (let round = 0; round < (redeliver ? 2 : 1); round++) {
      let pg = readingsProjection.initial();
      let redis = latestReadingsProjection.initial();
      for (const e of batch) {
        pg = readingsProjection.evolve(pg, e);
        redis = latestReadingsProjection.evolve(redis, e);
      }
      upsert(store.readings, pg.readings, laterInLog);
      upsert(store.latest, pg.latest, laterInTime);
      upsert(store.redis, redis, laterInTime);
    }
  }
  return store;
}

const HOUR = 3_600_000;
const readingEvents = fc
  .array(
    fc.record({
      meter: fc.constantFrom('m0', 'm1', 'm2'),
      hour: fc.integer({ min: 0, max: 5 }),
      value: fc.double({ min: 0, max: 1000, noNaN: true }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((specs) =>
    specs.map(
      ({ meter, hour, value }, i): ProjectionEvent<'sensorReadings'> => ({
        topic: 'sensorReadings',
        partition: 0,
        offset: String(i),
        event: {
          eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          occurredAt: new Date(Date.UTC(2015, 0, 1) + hour * HOUR),
          source: 'test',
          buildingId: 'B',
          meterId: meter,
          meterKind: 'electricity',
          value,
          unit: 'kWh',
        },
      }),
    ),
  );
const cutsArb = fc.array(fc.nat({ max: 61 }), { maxLength: 10 });

describe('readings and latest-readings evolve: a batch folded in any split applies like the whole', () => {
  it('gives the same rows and keys whatever the batch boundaries, also when batches are redelivered', () => {
    fc.assert(
      fc.property(readingEvents, cutsArb, fc.boolean(), (events, cuts, redeliver) => {
        expect(project(events, cuts, redeliver)).toEqual(project(events, []));
      }),
    );
  });

  it('keeps the last log position per (meter, time) and the latest event time per meter', () => {
    fc.assert(
      fc.property(readingEvents, cutsArb, (events, cuts) => {
        const store = project(events, cuts);
        const lastByKey = new Map<string, number>();
        for (const [i, e] of events.entries())
          lastByKey.set(`${e.event.meterId}@${e.event.occurredAt.getTime()}`, i);
        expect(store.readings.size).toBe(lastByKey.size);
        for (const row of store.readings.values()) {
          expect(lastByKey.get(`${row.event.meterId}@${row.event.occurredAt.getTime()}`)).toBe(
            Number(row.offset),
          );
        }
        for (const [meter, row] of store.latest) {
          const newest = Math.max(
            ...events.filter((e) => e.event.meterId === meter).map((e) => e.event.occurredAt.getTime()),
          );
          expect(row.event.occurredAt.getTime()).toBe(newest);
          expect(store.redis.get(meter)).toEqual(row);
        }
      }),
    );
  });
});

describe('buildings evolve', () => {
  it('the latest registration per building wins in any split', () => {
    const registrations = fc
      .array(
        fc.record({ building: fc.constantFrom('A', 'B', 'C'), area: fc.integer({ min: 1, max: 9999 }) }),
        {
          minLength: 1,
          maxLength: 40,
        },
      )
      .map((specs) =>
        specs.map(
          ({ building, area }, i): ProjectionEvent<'buildings'> => ({
            topic: 'buildings',
            partition: 0,
            offset: String(i),
            event: {
              eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
              occurredAt: new Date(Date.UTC(2015, 0, 1)),
              source: 'test',
              buildingId: building,
              siteId: null,
              primaryUse: 'Office',
              floorAreaM2: area,
              timezone: 'UTC',
              yearBuilt: null,
              weatherStationId: null,
            } as BuildingRegistered,
          }),
        ),
      );
    fc.assert(
      fc.property(registrations, cutsArb, (events, cuts) => {
        const fold = (bounds: number[]) => {
          const table = new Map<string, Row<BuildingRegistered>>();
          const sorted = [...new Set([0, ...bounds.map((c) => c % (events.length + 1)), events.length])].sort(
            (a, b) => a - b,
          );
          for (let i = 0; i + 1 < sorted.length; i++) {
            let state = buildingsProjection.initial();
            for (const e of events.slice(sorted[i], sorted[i + 1]))
              state = buildingsProjection.evolve(state, e);
            upsert(table, state, laterInLog);
          }
          return table;
        };
        const whole = fold([]);
        expect(fold(cuts)).toEqual(whole);
        for (const [id, row] of whole) {
          expect(row.event.floorAreaM2).toBe(
            events.filter((e) => e.event.buildingId === id).at(-1)?.event.floorAreaM2,
          );
        }
      }),
    );
  });
});
