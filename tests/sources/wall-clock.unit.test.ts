import { describe, expect, it } from 'vitest';
import { parseWallClock } from '../../sources/bdg1/index.ts';

describe('parseWallClock (the weather files’ one timestamp parser)', () => {
  it('reads YYYY-MM-DD HH:MM[:SS] with a space or a T, seconds optional', () => {
    const at = Date.UTC(2016, 0, 1, 13, 20, 5);
    expect(parseWallClock('2016-01-01 13:20:05')).toEqual({ ok: true, epochMs: at });
    expect(parseWallClock('2016-01-01T13:20:05')).toEqual({ ok: true, epochMs: at });
    expect(parseWallClock('2016-01-01 13:20')).toEqual({ ok: true, epochMs: Date.UTC(2016, 0, 1, 13, 20) });
  });

  it('rejects impossible times instead of rolling them over, and other layouts', () => {
    for (const text of [
      '2015-02-29 00:00',
      '2016-04-31 10:00',
      '2016-01-01 24:00',
      '2016-01-01 10:60',
      '2016-01-01 10:00:60',
    ])
      expect(parseWallClock(text)).toEqual({ ok: false, problem: 'not a real time' });
    for (const text of ['2016-01-01', '2016-01-01 10:00:00Z', '01/01/2016 10:00', ' 2016-01-01 10:00'])
      expect(parseWallClock(text)).toEqual({ ok: false, problem: 'layout' });
  });
});
