import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BDG1_SAMPLE_URL, parseMetaOpen } from '../../sources/index.ts';

describe('parseMetaOpen', () => {
  const text = readFileSync(BDG1_SAMPLE_URL, 'utf8');

  it('reads the CR-only line endings of the real file', () => {
    expect(text.includes('\n')).toBe(false);
    expect(text.split('\r').filter((l) => l.length > 0).length).toBe(9);
    const { buildings, rejected } = parseMetaOpen(text);
    expect(rejected).toEqual([]);
    expect(buildings.map((b) => b.buildingId)).toContain('Office_Cristina');
    expect(buildings).toHaveLength(8);
  });

  it('types the fields and keeps exact years only', () => {
    const { buildings } = parseMetaOpen(text);
    const cristina = buildings.find((b) => b.buildingId === 'Office_Cristina');
    expect(cristina).toEqual({
      buildingId: 'Office_Cristina',
      primaryUse: 'Office',
      floorAreaM2: 8572.252713,
      timezone: 'America/New_York',
      yearBuilt: 2001,
      weatherStationId: 'bdg1-weather2',
    });
    // 'pre 1919' is a range, not a year.
    expect(buildings.find((b) => b.buildingId === 'PrimClass_Jolie')?.yearBuilt).toBeNull();
  });

  it('returns rows it cannot use as rejections with their line, never drops them', () => {
    const header = 'uid,primaryspaceusage,sqm,timezone,yearbuilt,newweatherfilename';
    const { buildings, rejected } = parseMetaOpen(
      [
        header,
        'A,Office,100,Europe/London,1990,weather1.csv',
        ',Office,100,Europe/London,,',
        'C,Office,-3,Mars/Olympus,,',
      ].join('\r'),
    );
    expect(buildings.map((b) => b.buildingId)).toEqual(['A']);
    expect(rejected.map((r) => r.line)).toEqual([3, 4]);
    expect(rejected[0]?.reason).toContain('uid');
    expect(rejected[1]?.reason).toContain('sqm');
    expect(rejected[1]?.reason).toContain('IANA');
  });
});
