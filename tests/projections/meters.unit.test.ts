import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeMetersChanges, metersProjection } from '../../projections/meters/index.ts';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { CONTROL_POINT_KINDS, CONTROL_UNITS, METER_KINDS, READING_UNITS } from '../../schemas/index.ts';
import { cutInto, cutsArb, entries, foldBatch } from '../support/fold-batches.ts';

type MetersEvent = ProjectionEvent<'meters' | 'controlPoints'>;
const START = Date.UTC(2016, 0, 1);

/** Registrations of 4 meters and 3 points in log order; each topic's offsets increase. */
const eventsArb: fc.Arbitrary<MetersEvent[]> = fc
  .array(
    fc.record({
      point: fc.boolean(),
      id: fc.nat(3),
      kind: fc.nat(7),
      unit: fc.nat(4),
      min: fc.integer({ min: 0, max: 20 }),
      minutes: fc.nat(10_000),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((specs) => {
    const offsets = { meters: 0, controlPoints: 0 };
    return specs.map((s, i): MetersEvent => {
      const common = {
        eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        occurredAt: new Date(START + s.minutes * 60_000),
        source: 'test',
        buildingId: `B${s.id % 2}`,
      };
      if (s.point) {
        return {
          topic: 'controlPoints',
          partition: s.id % 3,
          offset: String(offsets.controlPoints++),
          event: {
            ...common,
            pointId: `P${s.id % 3}`,
            pointKind: CONTROL_POINT_KINDS[s.kind] ?? 'schedule',
            unit: CONTROL_UNITS[s.unit] ?? 'degC',
            minValue: s.min,
            maxValue: s.min + 10,
            maxChangePerMinute: s.kind % 2 === 0 ? null : 0.5,
            brickClass: null,
          },
        };
      }
      return {
        topic: 'meters',
        partition: s.id % 3,
        offset: String(offsets.meters++),
        event: {
          ...common,
          meterId: `M${s.id}`,
          meterKind: METER_KINDS[s.kind] ?? 'electricity',
          unit: READING_UNITS[s.unit] ?? 'kWh',
          brickClass: s.kind % 2 === 0 ? 'Electrical_Energy_Sensor' : null,
        },
      };
    });
  });

const rows = (c: ReturnType<typeof metersProjection.initial>) => ({
  meters: entries(c.meters),
  controlPoints: entries(c.controlPoints),
});

describe('meters projection: evolve', () => {
  it('folding a batch split anywhere and applying the parts in order equals folding it whole', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const whole = foldBatch(metersProjection, events);
        const parts = cutInto(events, cuts).map((b) => foldBatch(metersProjection, b));
        const applied = parts.reduce(mergeMetersChanges, metersProjection.initial());
        expect(rows(applied)).toEqual(rows(whole));
      }),
    );
  });

  it('an older log position never wins: redelivered earlier batches change nothing', () => {
    fc.assert(
      fc.property(eventsArb, cutsArb(), (events, cuts) => {
        const parts = cutInto(events, cuts).map((b) => foldBatch(metersProjection, b));
        const inOrder = parts.reduce(mergeMetersChanges, metersProjection.initial());
        const redelivered = [...parts].reverse().reduce(mergeMetersChanges, inOrder);
        expect(rows(redelivered)).toEqual(rows(inOrder));
        // Every row is the registration furthest along the log for its id.
        for (const [id, row] of inOrder.meters) {
          const last = events.filter((e) => e.topic === 'meters' && e.event.meterId === id).at(-1);
          expect(row.sourceOffset).toBe(last?.offset);
        }
        for (const [id, row] of inOrder.controlPoints) {
          const last = events.filter((e) => e.topic === 'controlPoints' && e.event.pointId === id).at(-1);
          expect(row.eventId).toBe(last?.event.eventId);
        }
      }),
    );
  });

  it('keeps one row per id, so one upsert statement touches a row once', () => {
    fc.assert(
      fc.property(eventsArb, (events) => {
        const c = foldBatch(metersProjection, events);
        const meterIds = new Set(events.flatMap((e) => (e.topic === 'meters' ? [e.event.meterId] : [])));
        expect(c.meters.size).toBe(meterIds.size);
      }),
    );
  });
});
