import { describe, expect, it } from 'vitest';
import { zoneWallClock } from '../../schemas/index.ts';

describe('zoneWallClock', () => {
  it('gives the zone’s wall clock as UTC fields, across a daylight-saving change', () => {
    // New York: EST (UTC-5) before 2016-03-13 07:00Z, EDT (UTC-4) after.
    expect(zoneWallClock(Date.parse('2016-03-13T06:59:59Z'), 'America/New_York')).toBe(
      Date.parse('2016-03-13T01:59:59Z'),
    );
    expect(zoneWallClock(Date.parse('2016-03-13T07:00:00Z'), 'America/New_York')).toBe(
      Date.parse('2016-03-13T03:00:00Z'),
    );
    expect(zoneWallClock(Date.parse('2016-07-01T12:00:00.750Z'), 'Asia/Singapore')).toBe(
      Date.parse('2016-07-01T20:00:00Z'),
    );
  });

  it('throws a RangeError for a zone Intl does not know', () => {
    expect(() => zoneWallClock(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
