import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BuildingSummaryChanges,
  type BuildingSummaryTopic,
  combineBuildingSummaryChanges,
  createBuildingSummaryProjection,
  localDayOf,
} from '../../projections/building-summary/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import type { MeterKind, ReadingUnit } from '../../schemas/index.ts';

const projection = createBuildingSummaryProjection();
const HOUR = 3_600_000;
const START = Date.UTC(2026, 2, 7);
const METERS: readonly { meterId: string; buildingId: string; meterKind: MeterKind; unit: ReadingUnit }[] = [
  { meterId: 'A:e1', buildingId: 'A', meterKind: 'electricity', unit: 'kWh' },
  { meterId: 'A:e2', buildingId: 'A', meterKind: 'electricity', unit: 'MJ' },
  { meterId: 'A:cw', buildingId: 'A', meterKind: 'chilled_water', unit: 'ton_h' },
  { meterId: 'B:e1', buildingId: 'B', meterKind: 'electricity', unit: 'kWh' },
];
const BUILDINGS = ['A', 'B'] as const;

type Event = ProjectionEvent<BuildingSummaryTopic>;

/**
 * A log: readings (some at repeated times, i.e. corrections) and registrations, with offsets that
 * grow per partition as a keyed topic gives them (meter -> reading partition, building -> 0..1).
 */
const logArb: fc.Arbitrary<Event[]> = fc
  .array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('reading' as const),
          meter: fc.nat(METERS.length - 1),
          hour: fc.nat(60),
          value: fc.integer({ min: 0, max: 5000 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('building' as const),
          building: fc.nat(1),
          zone: fc.constantFrom('America/New_York', 'Europe/London', 'Asia/Kathmandu'),
        }),
      },
    ),
    { maxLength: 80 },
  )
  .map((specs) => {
    const next = new Map<string, number>();
    const offsetIn = (p: string) => {
      const o = next.get(p) ?? 0;
      next.set(p, o + 1);
      return String(o);
    };
    return specs.map((s, i): Event => {
      if (s.kind === 'reading') {
        const m = METERS[s.meter] ?? METERS[0];
        return {
          topic: 'sensorReadings',
          partition: s.meter % 3,
          offset: offsetIn(`r${s.meter % 3}`),
          event: {
            ...m,
            eventId: `e-${i}`,
            occurredAt: new Date(START + s.hour * HOUR),
            source: 'test',
            value: s.value / 10,
          },
        } as Event;
      }
      const buildingId = BUILDINGS[s.building] ?? 'A';
      return {
        topic: 'buildings',
        partition: s.building,
        offset: offsetIn(`b${s.building}`),
        event: {
          eventId: `b-${i}`,
          occurredAt: new Date(START),
          source: 'test',
          buildingId,
          primaryUse: 'Office',
          timezone: s.zone,
          weatherStationId: `ST-${s.zone.length}`,
        },
      } as Event;
    });
  });

function fold(events: readonly Event[]): BuildingSummaryChanges {
  return events.reduce(projection.evolve, projection.initial());
}

describe('building summary evolve', () => {
  it('gives the same store state however the log is cut into batches', () => {
    fc.assert(
      fc.property(logArb, fc.array(fc.nat(), { maxLength: 4 }), (log, cutsRaw) => {
        const cuts = [...new Set(cutsRaw.map((c) => c % (log.length + 1)))].sort((a, b) => a - b);
        let stored = projection.initial();
        let from = 0;
        for (const cut of [...cuts, log.length]) {
          stored = combineBuildingSummaryChanges(stored, fold(log.slice(from, cut)));
          from = cut;
        }
        expect(stored).toEqual(fold(log));
      }),
    );
  });

  it('is order-independent and re-applying any part of the log changes nothing', () => {
    fc.assert(
      fc.property(
        logArb.chain((log) =>
          fc.tuple(
            fc.constant(log),
            fc.shuffledSubarray(log),
            fc.shuffledSubarray(log, { minLength: log.length }),
          ),
        ),
        ([log, part, shuffled]) => {
          const whole = fold(log);
          expect(fold(shuffled)).toEqual(whole);
          expect(combineBuildingSummaryChanges(whole, fold(part))).toEqual(whole);
          expect(combineBuildingSummaryChanges(whole, whole)).toEqual(whole);
        },
      ),
    );
  });

  it('keeps per meter the newest reading, the gap to the one before, and one contribution per meter and time', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        const changes = fold(log);
        const readings = log.filter(
          (e): e is Extract<Event, { topic: 'sensorReadings' }> => e.topic === 'sensorReadings',
        );
        for (const m of METERS.filter((x) => x.meterKind === 'electricity')) {
          const own = readings.filter((r) => r.event.meterId === m.meterId);
          const d = changes.demand.get(`${m.buildingId}\u0000${m.meterId}`);
          if (own.length === 0) {
            expect(d).toBeUndefined();
            continue;
          }
          const newest = own.reduce((a, b) =>
            b.event.occurredAt > a.event.occurredAt ||
            (b.event.occurredAt.getTime() === a.event.occurredAt.getTime() &&
              Number(b.offset) > Number(a.offset))
              ? b
              : a,
          );
          const times = [...new Set(own.map((r) => r.event.occurredAt.getTime()))].sort((a, b) => b - a);
          expect(d?.eventId).toBe(newest.event.eventId);
          expect(d?.previousAt ?? null).toBe(times[1] ?? null);
          expect(d?.kwh).toBeCloseTo(m.unit === 'MJ' ? newest.event.value / 3.6 : newest.event.value, 9);
        }
        const distinct = new Set(readings.map((r) => `${r.event.meterId}|${r.event.occurredAt.getTime()}`));
        expect(changes.contributions.size).toBe(distinct.size);
      }),
    );
  });

  it('counts the reading stamped at midnight UTC in the quarter and day before it', () => {
    const changes = fold([
      {
        topic: 'sensorReadings',
        partition: 0,
        offset: '7',
        event: {
          ...METERS[0],
          eventId: 'x',
          occurredAt: new Date(Date.UTC(2026, 2, 8)),
          source: 't',
          value: 3,
        } as never,
      } as Event,
    ]);
    const [c] = [...changes.contributions.values()];
    expect(c?.utcDate).toBe('2026-03-07');
    expect(c?.bucket).toBe(`${Date.UTC(2026, 2, 7, 23, 45)}|electricity|kWh`);
    expect(c?.micro).toBe(3_000_000);
  });
});

describe('localDayOf', () => {
  it('finds 23-hour, 25-hour and quarter-offset local days', () => {
    const spring = localDayOf('America/New_York', Date.UTC(2026, 2, 8, 15));
    expect(spring).toEqual({
      localDate: '2026-03-08',
      start: Date.UTC(2026, 2, 8, 5),
      end: Date.UTC(2026, 2, 9, 4),
    });
    const autumn = localDayOf('Europe/London', Date.UTC(2026, 9, 25, 12));
    expect(autumn.end - autumn.start).toBe(25 * HOUR);
    const kathmandu = localDayOf('Asia/Kathmandu', Date.UTC(2026, 0, 1, 20));
    expect(kathmandu).toEqual({
      localDate: '2026-01-02',
      start: Date.UTC(2026, 0, 1, 18, 15),
      end: Date.UTC(2026, 0, 2, 18, 15),
    });
    expect(localDayOf('UTC', Date.UTC(2026, 0, 1, 0, 0, 0, 1)).start).toBe(Date.UTC(2026, 0, 1));
  });
});
