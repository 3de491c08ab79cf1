import { describe, expect, it } from 'vitest';
import { demoMeters, demoReading } from '../../sources/index.ts';

const office = {
  buildingId: 'Office_Cristina',
  primaryUse: 'Office',
  floorAreaM2: 8572.25,
  timezone: 'America/New_York',
  yearBuilt: 2001,
  weatherStationId: 'bdg1-weather2',
};

describe('demo meters', () => {
  it('gives larger buildings a chilled-water meter beside electricity', () => {
    expect(demoMeters([office]).map((m) => `${m.meterKind}:${m.unit}`)).toEqual([
      'electricity:kWh',
      'chilled_water:ton_h',
    ]);
    expect(demoMeters([{ ...office, floorAreaM2: 2_000 }]).map((m) => m.meterKind)).toEqual(['electricity']);
  });

  it('follows occupancy in local time and scales with the interval a reading covers', () => {
    const [electricity] = demoMeters([office]);
    if (electricity === undefined) throw new Error('no meter');
    // 15:00 UTC is 10:00 in New York (occupied); 07:00 UTC is 02:00 (unoccupied).
    const day = demoReading(electricity, new Date('2015-01-07T15:00:00Z'), 'a');
    const night = demoReading(electricity, new Date('2015-01-07T07:00:00Z'), 'b');
    expect(day.value).toBeGreaterThan(night.value * 1.8);
    const fiveSeconds = demoReading(electricity, new Date('2015-01-07T15:00:00Z'), 'c', {
      intervalMs: 5_000,
    });
    expect(fiveSeconds.value).toBeCloseTo(day.value / 720, 2);
  });
});
