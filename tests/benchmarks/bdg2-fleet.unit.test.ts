import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFleet, readingsHour, seededRandom, weatherHour } from '../../benchmarks/bdg2-fleet.ts';

const HOUR = 3_600_000;
const END = Date.UTC(2026, 10, 21);

describe('the BDG2-shaped benchmark fleet', () => {
  it('has exactly the buildings and meters asked for, an electricity meter each, a station per site', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.nat(),
        (b, extra, seed) => {
          const fleet = createFleet({ buildings: b, meters: b + extra, days: 1, endMs: END, seed });
          expect(fleet.buildings).toHaveLength(b);
          expect(new Set(fleet.meters.map((m) => m.meterId)).size).toBe(fleet.meters.length);
          // Extra meters are at most one per kind and building (electricity sub-meters aside), so a tiny fleet may hold fewer.
          expect(fleet.meters.length).toBeLessThanOrEqual(b + extra);
          if (b >= 50) expect(fleet.meters).toHaveLength(b + extra);
          for (const building of fleet.buildings) {
            expect(
              fleet.meters.some((m) => m.building === building && m.meterId.endsWith(':electricity')),
            ).toBe(true);
            expect(building.floorAreaM2).toBeGreaterThanOrEqual(100);
            expect(building.floorAreaM2).toBeLessThanOrEqual(80_000);
          }
          expect(new Set(fleet.sites.map((s) => s.stationId)).size).toBe(19);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('is the same fleet for the same seed', () => {
    const shape = (seed: number) =>
      createFleet({ buildings: 40, meters: 80, days: 2, endMs: END, seed }).meters.map((m) => [
        m.meterId,
        m.unit,
        m.building.floorAreaM2,
        m.building.registration.primaryUse,
      ]);
    expect(shape(7)).toEqual(shape(7));
    expect(shape(7)).not.toEqual(shape(8));
  });

  it('gives positive readings in each kind’s unit, none for a meter in a gap, and a weather hour per station', () => {
    const fleet = createFleet({ buildings: 300, meters: 560, days: 3, endMs: END, seed: 1 });
    const random = seededRandom(2);
    const units = {
      electricity: 'kWh',
      chilled_water: 'ton_h',
      steam: 'kBTU',
      hot_water: 'kBTU',
      gas: 'therm',
    };
    let gapsSeen = 0;
    for (let h = 0; h < fleet.hours; h++) {
      const hourMs = fleet.startMs + h * HOUR;
      const weather = weatherHour(fleet, hourMs, random);
      expect(weather.map((w) => w.stationId).sort()).toEqual(fleet.sites.map((s) => s.stationId).sort());
      const readings = readingsHour(
        fleet,
        hourMs,
        new Map(weather.map((w) => [w.stationId, w.temperatureC ?? 15])),
        random,
      );
      const inGap = fleet.meters.filter((m) => m.gaps.has(hourMs)).length;
      gapsSeen += inGap;
      expect(readings).toHaveLength(fleet.meters.length - inGap);
      for (const r of readings) {
        expect(r.value).toBeGreaterThan(0);
        expect(r.unit).toBe(units[r.meterKind as keyof typeof units]);
        expect(r.occurredAt.getTime()).toBe(hourMs);
      }
    }
    expect(gapsSeen).toBe(3 * fleet.injected.gaps);
  });
});
