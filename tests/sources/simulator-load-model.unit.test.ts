import { describe, expect, it } from 'vitest';
import { HOUR_MS, type WeatherObservation } from '../../schemas/index.ts';
import {
  brickClassOf,
  createLocalCalendar,
  DEFAULT_UNIT_OF_KIND,
  drawFleet,
  loadBdg1Fleet,
  metersOf,
  occupancyOf,
  type SimBuilding,
  type SimMeter,
  simulatedValue,
  WeatherReplay,
} from '../../sources/index.ts';

const calendar = createLocalCalendar();
const office: SimBuilding = {
  buildingId: 'Office_Cristina',
  primaryUse: 'Office',
  floorAreaM2: 12_000,
  timezone: 'America/New_York',
  yearBuilt: 2001,
  weatherStationId: 'bdg1-weather2',
  synthetic: false,
};

function meter(kind: SimMeter['meterKind'], building: SimBuilding = office): SimMeter {
  const found = metersOf(building).find((m) => m.meterKind === kind);
  if (found === undefined) throw new Error(`${building.buildingId} has no ${kind} meter`);
  return found;
}

/** The reading at a local New York wall time, at a fixed temperature. */
function valueAt(m: SimMeter, iso: string, temperatureC: number | null = 18, seed = 1): number {
  const at = new Date(iso);
  return simulatedValue(
    m,
    at,
    { local: calendar.at(at, m.timezone), temperatureC, intervalMs: HOUR_MS },
    seed,
  );
}

describe('simulator load model', () => {
  it('draws more on a working afternoon than on a weekend or a public holiday afternoon', () => {
    const electricity = meter('electricity');
    // 14:00 in New York (EST, UTC-5): Wednesday 25 Nov 2026, Thanksgiving Thursday 26 Nov, Saturday 28 Nov.
    const weekday = valueAt(electricity, '2026-11-25T19:00:00Z');
    const holiday = valueAt(electricity, '2026-11-26T19:00:00Z');
    const weekend = valueAt(electricity, '2026-11-28T19:00:00Z');
    expect(calendar.at(new Date('2026-11-26T19:00:00Z'), 'America/New_York')).toMatchObject({
      weekday: 4,
      hour: 14,
      holiday: true,
    });
    expect(weekday).toBeGreaterThan(weekend * 1.5);
    expect(weekday).toBeGreaterThan(holiday * 1.5);
    // Holiday and weekend share the off-day schedule; only the ±5% noise tells them apart.
    expect(Math.abs(holiday - weekend) / weekend).toBeLessThan(0.11);
  });

  it('follows each use’s hours: an office empties at night, a dormitory fills', () => {
    const night = calendar.at(new Date('2026-11-25T08:00:00Z'), 'America/New_York'); // 03:00 local
    const afternoon = calendar.at(new Date('2026-11-25T19:00:00Z'), 'America/New_York');
    expect(occupancyOf('Office', afternoon)).toBeGreaterThan(occupancyOf('Office', night));
    expect(occupancyOf('Dormitory', night)).toBeGreaterThan(occupancyOf('Dormitory', afternoon));
  });

  it('responds to the weather with the right sign for each meter kind', () => {
    const wednesday = '2026-11-25T19:00:00Z';
    const hotWater = meter('hot_water');
    const chilled = meter('chilled_water');
    const electricity = meter('electricity');
    expect(valueAt(hotWater, wednesday, -5)).toBeGreaterThan(valueAt(hotWater, wednesday, 15) * 1.2);
    expect(valueAt(chilled, wednesday, 32)).toBeGreaterThan(valueAt(chilled, wednesday, 18) * 1.5);
    expect(valueAt(electricity, wednesday, 32)).toBeGreaterThan(valueAt(electricity, wednesday, 18));
    // No weather known: the weather-independent base alone.
    expect(valueAt(hotWater, wednesday, null)).toBeCloseTo(valueAt(hotWater, wednesday, 15.5), 6);
  });

  it('is deterministic in its seed', () => {
    const electricity = meter('electricity');
    const iso = '2026-11-25T19:00:00Z';
    expect(valueAt(electricity, iso, 20, 7)).toBe(valueAt(electricity, iso, 20, 7));
    expect(valueAt(electricity, iso, 20, 7)).not.toBe(valueAt(electricity, iso, 20, 8));
  });
});

describe('simulator fleet', () => {
  const stations = new Set(['bdg1-weather1', 'bdg1-weather2', 'bdg1-weather10']);

  it('takes the sample buildings first, then real ones, then synthetic ones from the BDG1 mix', async () => {
    const fleet = await loadBdg1Fleet(250, 3, stations);
    const ids = fleet.buildings.map((b) => b.buildingId);
    expect(ids.slice(0, 7)).toContain('Office_Cristina');
    // Office_Ellie's station (weather28) is not shipped, so she is not simulated.
    expect(ids).not.toContain('Office_Ellie');
    const real = fleet.buildings.filter((b) => !b.synthetic);
    const synthetic = fleet.buildings.filter((b) => b.synthetic);
    expect(real.length).toBe(182);
    expect(synthetic.length).toBe(68);
    for (const b of synthetic) {
      expect(b.buildingId).toMatch(/^Sim_(Office|UnivClass|UnivLab|UnivDorm|PrimClass)_\d{4}$/);
      expect(stations.has(b.weatherStationId)).toBe(true);
      expect(b.floorAreaM2).toBeGreaterThan(0);
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const b of fleet.buildings)
      expect(fleet.meters.filter((m) => m.buildingId === b.buildingId).map((m) => m.meterKind)).toContain(
        'electricity',
      );
    expect(new Set(fleet.meters.map((m) => m.meterKind)).size).toBeGreaterThanOrEqual(3);
  });

  it('registers each meter with the Brick class the importer gives the same kind and unit', () => {
    const lab: SimBuilding = { ...office, primaryUse: 'College Laboratory' };
    const school: SimBuilding = { ...office, primaryUse: 'Primary/Secondary Classroom' };
    const meters = [...metersOf(lab), ...metersOf(school)];
    const classes = Object.fromEntries(meters.map((m) => [m.meterKind, [m.unit, m.brickClass]]));
    expect(classes).toEqual({
      electricity: ['kWh', 'Electrical_Energy_Usage_Sensor'],
      chilled_water: ['ton_h', 'Thermal_Energy_Usage_Sensor'],
      hot_water: ['kBTU', 'Thermal_Energy_Usage_Sensor'],
      gas: ['therm', 'Energy_Usage_Sensor'],
    });
    for (const m of meters) expect(m.brickClass).toBe(brickClassOf(m.meterKind, m.unit));
    expect(meter('electricity').unit).toBe(DEFAULT_UNIT_OF_KIND.electricity);
  });

  it('draws the same synthetic buildings for the same seed, others for another', async () => {
    const real: SimBuilding[] = [office, { ...office, buildingId: 'Dorm_A', primaryUse: 'Dormitory' }];
    const source = { real, preferred: [], stations };
    expect(drawFleet(source, 20, 5)).toEqual(drawFleet(source, 20, 5));
    expect(drawFleet(source, 20, 5).buildings).not.toEqual(drawFleet(source, 20, 6).buildings);
  });
});

describe('weather replay', () => {
  const observation = (iso: string, temperatureC: number | null): WeatherObservation => ({
    eventId: `e-${iso}`,
    occurredAt: new Date(iso),
    source: 'test',
    stationId: 's',
    temperatureC,
  });
  const replay = new WeatherReplay(
    new Map([
      [
        's',
        [
          observation('2014-12-01T00:20:00Z', 5),
          observation('2015-07-15T14:20:00Z', 21),
          observation('2015-07-15T14:50:00Z', null),
          observation('2015-11-30T23:50:00Z', 9),
        ],
      ],
    ]),
  );

  it('reads the same day of year and time of day in any simulated year, skipping a missing value', () => {
    expect(replay.temperatureAt('s', new Date('2031-07-15T15:00:00Z'))).toBe(21);
    expect(replay.temperatureAt('s', new Date('2031-07-15T14:00:00Z'))).toBeNull();
    expect(replay.temperatureAt('unknown', new Date('2031-07-15T15:00:00Z'))).toBeNull();
  });

  it('replays observations at simulated instants with ids from station and instant, across the loop seam', () => {
    const seam = replay.observationsBetween(
      's',
      new Date('2030-11-30T23:00:00Z'),
      new Date('2030-12-01T01:00:00Z'),
    );
    expect(seam.map((o) => [o.occurredAt.toISOString(), o.temperatureC])).toEqual([
      ['2030-11-30T23:50:00.000Z', 9],
      ['2030-12-01T00:20:00.000Z', 5],
    ]);
    const again = replay.observationsBetween(
      's',
      new Date('2030-11-30T23:00:00Z'),
      new Date('2030-12-01T01:00:00Z'),
    );
    expect(again.map((o) => o.eventId)).toEqual(seam.map((o) => o.eventId));
    expect(new Set(seam.map((o) => o.eventId)).size).toBe(2);
    // The interval is (from, to]: an observation exactly at `from` belongs to the step before.
    expect(
      replay.observationsBetween('s', new Date('2030-11-30T23:50:00Z'), new Date('2030-12-01T00:00:00Z')),
    ).toEqual([]);
  });
});
