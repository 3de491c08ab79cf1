import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LocalDateTime } from '../../sources/import/formats/index.ts';
import { LocalTimeResolver, parseTimestamp, TIME_REASONS } from '../../sources/import/formats/index.ts';

function local(text: string): LocalDateTime {
  const parsed = parseTimestamp(text);
  if (parsed.kind !== 'local') throw new Error(`${text} is not a local timestamp: ${JSON.stringify(parsed)}`);
  return parsed.local;
}

/** Resolves an hourly series of local labels in one series, as an import of a file would, in order. */
function resolveSeries(zone: string, labels: readonly string[], series = 'meter-1'): (string | undefined)[] {
  const resolver = new LocalTimeResolver();
  return labels.map((label) => {
    const r = resolver.resolve(local(label), zone, series, 'Office_Test');
    return r.ok ? new Date(r.epochMs).toISOString() : r.reason;
  });
}

describe('parseTimestamp', () => {
  it('reads the BDG1 UTC layout, ISO instants with Z and offsets, as instants', () => {
    expect(parseTimestamp('2010-01-01 08:00:00+00:00')).toEqual({
      kind: 'instant',
      epochMs: Date.parse('2010-01-01T08:00:00Z'),
    });
    expect(parseTimestamp('2016-01-01T00:00:00Z')).toEqual({
      kind: 'instant',
      epochMs: Date.parse('2016-01-01T00:00:00Z'),
    });
    expect(parseTimestamp('2016-01-01T00:00:00.250-05:00')).toEqual({
      kind: 'instant',
      epochMs: Date.parse('2016-01-01T05:00:00.250Z'),
    });
    expect(parseTimestamp('2016-01-01 12:00+0530')).toEqual({
      kind: 'instant',
      epochMs: Date.parse('2016-01-01T06:30:00Z'),
    });
    expect(parseTimestamp('2016-01-01 12:00-03')).toEqual({
      kind: 'instant',
      epochMs: Date.parse('2016-01-01T15:00:00Z'),
    });
  });

  it('reads the BDG2 layout without an offset as a local wall-clock time, leap days included', () => {
    expect(parseTimestamp('2016-02-29 23:00:00')).toEqual({
      kind: 'local',
      local: { year: 2016, month: 2, day: 29, hour: 23, minute: 0, second: 0, millisecond: 0 },
    });
    expect(parseTimestamp(' 2017-12-31T07:30 ').kind).toBe('local');
  });

  it.each([
    ['2016-02-30 01:00', 'no day 30'],
    ['2015-02-29 00:00:00', 'no day 29'],
    ['2016-13-01 00:00:00', 'month 13'],
    ['2016-01-01 24:00:00', 'impossible time'],
    ['2016-01-01 10:61:00', 'impossible time'],
    ['2016-01-01', 'is not a timestamp'],
    ['abc', 'is not a timestamp'],
    ['', 'is not a timestamp'],
    ['01/02/2016 10:00', 'is not a timestamp'],
    ['2016-01-01 00:00:00+25:00', 'malformed UTC offset'],
    ['2016-01-01 00:00:00 UTC', 'not an offset'],
  ])('refuses %j (%s)', (text, why) => {
    const parsed = parseTimestamp(text);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') expect(parsed.detail).toContain(why);
  });
});

describe('parseTimestamp properties', () => {
  const instants = fc.date({
    min: new Date('1900-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  });
  const offsets = fc.integer({ min: -14 * 4, max: 14 * 4 }).map((q) => q * 15);

  it('reads any instant written as local wall time with its offset back to the same instant', () => {
    fc.assert(
      fc.property(instants, offsets, fc.boolean(), (at, offsetMinutes, withT) => {
        const wall = new Date(at.getTime() + offsetMinutes * 60_000).toISOString();
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const text = `${wall.slice(0, 10)}${withT ? 'T' : ' '}${wall.slice(11, 23)}${offset}`;
        expect(parseTimestamp(text)).toEqual({ kind: 'instant', epochMs: at.getTime() });
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with the calendar on which dates exist', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1900, max: 2100 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (y, m, d) => {
          const text = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')} 00:00:00`;
          const exists = new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
          expect(parseTimestamp(text).kind).toBe(exists ? 'local' : 'invalid');
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('daylight-saving rules of local timestamps', () => {
  it('Europe/London spring forward: 01:00 on 2016-03-27 does not exist and is never shifted', () => {
    expect(
      resolveSeries('Europe/London', ['2016-03-27 00:00', '2016-03-27 01:00', '2016-03-27 02:00']),
    ).toEqual(['2016-03-27T00:00:00.000Z', TIME_REASONS.nonexistent, '2016-03-27T01:00:00.000Z']);
  });

  it('Europe/London fall back: the repeated 01:00 is BST first, GMT second, so the hourly series stays continuous', () => {
    expect(
      resolveSeries('Europe/London', [
        '2016-10-30 00:00',
        '2016-10-30 01:00',
        '2016-10-30 01:00',
        '2016-10-30 02:00',
      ]),
    ).toEqual([
      '2016-10-29T23:00:00.000Z',
      '2016-10-30T00:00:00.000Z',
      '2016-10-30T01:00:00.000Z',
      '2016-10-30T02:00:00.000Z',
    ]);
  });

  it('America/New_York spring forward: 02:00 on 2016-03-13 does not exist', () => {
    expect(
      resolveSeries('America/New_York', ['2016-03-13 01:00', '2016-03-13 02:00', '2016-03-13 03:00']),
    ).toEqual(['2016-03-13T06:00:00.000Z', TIME_REASONS.nonexistent, '2016-03-13T07:00:00.000Z']);
  });

  it('America/New_York fall back: 01:00 EDT then 01:00 EST', () => {
    expect(
      resolveSeries('America/New_York', [
        '2016-11-06 00:00',
        '2016-11-06 01:00',
        '2016-11-06 01:00',
        '2016-11-06 02:00',
      ]),
    ).toEqual([
      '2016-11-06T04:00:00.000Z',
      '2016-11-06T05:00:00.000Z',
      '2016-11-06T06:00:00.000Z',
      '2016-11-06T07:00:00.000Z',
    ]);
  });

  it('a series with the fall-back hour once (as BDG2 files have it) reads it as daylight time', () => {
    expect(resolveSeries('America/New_York', ['2016-11-06 01:00', '2016-11-06 02:00'])).toEqual([
      '2016-11-06T05:00:00.000Z',
      '2016-11-06T07:00:00.000Z',
    ]);
  });

  it('counts occurrences per series: two meters each get daylight time for their first 01:30', () => {
    const resolver = new LocalTimeResolver();
    const at = local('2016-11-06 01:30');
    const first = resolver.resolve(at, 'America/New_York', 'a', 'A');
    const otherMeter = resolver.resolve(at, 'America/New_York', 'b', 'B');
    const second = resolver.resolve(at, 'America/New_York', 'a', 'A');
    expect(
      [first, otherMeter, second].map((r) => (r.ok ? new Date(r.epochMs).toISOString() : r.reason)),
    ).toEqual(['2016-11-06T05:30:00.000Z', '2016-11-06T05:30:00.000Z', '2016-11-06T06:30:00.000Z']);
  });

  it('an unknown or invented zone is a dead letter naming the building', () => {
    const resolver = new LocalTimeResolver();
    const missing = resolver.resolve(local('2016-01-01 00:00'), undefined, 's', 'Office_Ellis');
    const invented = resolver.resolve(local('2016-01-01 00:00'), 'Mars/Olympus_Mons', 's', 'Office_Ellis');
    for (const r of [missing, invented]) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe(TIME_REASONS.unknownZone);
        expect(r.detail).toContain('Office_Ellis');
      }
    }
  });
});
