import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { derivedEventId, type WeatherObservation } from '../../schemas/index.ts';
import type { Bdg1WeatherSample } from '../../sources/bdg1/weather/index.ts';
import {
  BDG1_WEATHER_SAMPLES,
  BDG1_WEATHER_SOURCE,
  bdg1WeatherStationOf,
  dedupeHeader,
  parseBdg1Weather,
} from '../../sources/bdg1/weather/index.ts';

function sampleText(sample: Bdg1WeatherSample): string {
  return readFileSync(BDG1_WEATHER_SAMPLES[sample], 'utf8');
}

function parseSample(sample: Bdg1WeatherSample) {
  return parseBdg1Weather(sampleText(sample), { stationId: bdg1WeatherStationOf(sample) });
}

/** The observation at `iso` (UTC), failing the test when there is none. */
function at(observations: readonly WeatherObservation[], iso: string): WeatherObservation {
  const found = observations.find((o) => o.occurredAt.toISOString() === iso);
  if (found === undefined) throw new Error(`no observation at ${iso}`);
  return found;
}

/** The expected event of station `stationId` at `iso`, with the measurements given. */
function expected(
  stationId: string,
  iso: string,
  m: Omit<WeatherObservation, 'eventId' | 'occurredAt' | 'source' | 'stationId' | 'traceContext'>,
): WeatherObservation {
  return {
    eventId: derivedEventId('bdg1-weather', stationId, iso),
    occurredAt: new Date(iso),
    source: BDG1_WEATHER_SOURCE,
    stationId,
    ...m,
    traceContext: null,
  };
}

const dataLines = (text: string): number => text.split(/\r\n|\n|\r/).filter((l) => l.length > 0).length - 1;

describe('parseBdg1Weather on the real samples', () => {
  it('parses every row of the three files despite their different column orders', () => {
    for (const sample of ['weather1', 'weather2', 'weather10'] as const) {
      const text = sampleText(sample);
      const { observations, rejected, cleaned } = parseSample(sample);
      expect(rejected, sample).toEqual([]);
      expect(cleaned, sample).toEqual([]);
      expect(observations, sample).toHaveLength(dataLines(text));
      expect(dataLines(text)).toBe(299);
    }
    // weather10 puts DateUTC second to last and the temperature third; weather1/2 the other way round.
    expect(sampleText('weather10').split('\n')[0]?.startsWith('timestamp,TimeSGT,TemperatureC')).toBe(true);
    expect(sampleText('weather1').split('\n')[0]?.startsWith('timestamp,Conditions,DateUTC<br />')).toBe(
      true,
    );
  });

  it('reads known rows exactly, with DateUTC (not the local time) as event time', () => {
    // weather1.csv line 3: 2014-12-01 00:50:00 GMT, NNW 340°.
    expect(at(parseSample('weather1').observations, '2014-12-01T00:50:00.000Z')).toEqual(
      expected('bdg1-weather1', '2014-12-01T00:50:00.000Z', {
        temperatureC: 5,
        dewPointC: 3,
        relativeHumidityPct: 87,
        pressureHpa: 1015,
        windSpeedKmh: 7.4,
        windDirectionDeg: 340,
        precipitationMm: null,
        conditions: null, // 'Unknown'
      }),
    );
    // weather2.csv line 2: local 2015-01-01 00:56 EST is 05:56 UTC.
    expect(parseSample('weather2').observations[0]).toEqual(
      expected('bdg1-weather2', '2015-01-01T05:56:00.000Z', {
        temperatureC: -7.2,
        dewPointC: -15,
        relativeHumidityPct: 54,
        pressureHpa: 1017.4,
        windSpeedKmh: 18.5,
        windDirectionDeg: 230,
        precipitationMm: null,
        conditions: 'Overcast',
      }),
    );
    // weather10.csv line 2: local 2012-02-02 05:00 SGT is 2012-02-01 21:00 UTC.
    expect(parseSample('weather10').observations[0]).toEqual(
      expected('bdg1-weather10', '2012-02-01T21:00:00.000Z', {
        temperatureC: 26,
        dewPointC: 25,
        relativeHumidityPct: 94,
        pressureHpa: 1010,
        windSpeedKmh: 1.9,
        windDirectionDeg: 60,
        precipitationMm: null,
        conditions: 'Mostly Cloudy',
      }),
    );
  });

  it('strips the <br /> of the DateUTC header and values, and dedupes the two timestamp columns', () => {
    const header = sampleText('weather2').split('\n')[0]?.split(',') ?? [];
    expect(header.filter((h) => h === 'timestamp')).toHaveLength(2);
    const names = dedupeHeader(header);
    expect(names).toContain('DateUTC');
    expect(names[0]).toBe('timestamp');
    expect(names.at(-1)).toBe('timestamp#2');
    expect(new Set(names).size).toBe(names.length);
    // Every value carried the suffix; all were read as valid UTC times.
    expect(sampleText('weather2').split('\n')[1]).toContain('2015-01-01 05:56:00<br />');
    expect(parseSample('weather2').observations.every((o) => Number.isFinite(o.occurredAt.getTime()))).toBe(
      true,
    );
  });

  it('reads -9999, - and empty as null', () => {
    // weather1.csv line 727 (excerpt line 9): Dew PointC and TemperatureC -9999.0, Humidity empty, gust '-'.
    expect(at(parseSample('weather1Missing').observations, '2014-12-16T02:50:00.000Z')).toEqual(
      expected('bdg1-weather1', '2014-12-16T02:50:00.000Z', {
        temperatureC: null,
        dewPointC: null,
        relativeHumidityPct: null,
        pressureHpa: 1015,
        windSpeedKmh: 13,
        windDirectionDeg: 300,
        precipitationMm: null,
        conditions: 'Fog',
      }),
    );
    // weather2.csv line 893 (excerpt line 10): temperature, dew point, pressure and wind speed -9999.0.
    const w2 = at(parseSample('weather2Missing').observations, '2015-01-30T19:44:00.000Z');
    expect(w2).toMatchObject({
      temperatureC: null,
      dewPointC: null,
      relativeHumidityPct: null,
      pressureHpa: null,
      windSpeedKmh: null,
      // 'North' with 0 degrees is north: only Calm and Variable make the 0 a placeholder.
      windDirectionDeg: 0,
    });
    // weather10.csv line 2162: wind speed -9999.0.
    const w10 = at(parseSample('weather10Missing').observations, '2012-05-15T04:07:00.000Z');
    expect(w10).toMatchObject({ temperatureC: 31, windSpeedKmh: null, windDirectionDeg: 0 });
  });

  it('reads Calm wind as 0 km/h with no direction', () => {
    expect(at(parseSample('weather1').observations, '2014-12-01T16:50:00.000Z')).toMatchObject({
      windSpeedKmh: 0,
      windDirectionDeg: null,
      conditions: 'Overcast',
    });
    expect(at(parseSample('weather2').observations, '2015-01-03T03:56:00.000Z')).toMatchObject({
      temperatureC: -5,
      windSpeedKmh: 0,
      windDirectionDeg: null,
    });
    expect(at(parseSample('weather10').observations, '2012-02-02T22:00:00.000Z')).toMatchObject({
      windSpeedKmh: 0,
      windDirectionDeg: null,
    });
  });

  it('reads Variable wind as a speed with no direction (its degrees column holds a placeholder 0)', () => {
    // weather1.csv line 2: Variable, 5.6 km/h, 0 degrees.
    expect(at(parseSample('weather1').observations, '2014-12-01T00:20:00.000Z')).toMatchObject({
      windSpeedKmh: 5.6,
      windDirectionDeg: null,
      temperatureC: 7,
    });
    // weather2.csv line 949.
    expect(at(parseSample('weather2Missing').observations, '2015-02-03T22:56:00.000Z')).toMatchObject({
      windSpeedKmh: 7.4,
      windDirectionDeg: null,
    });
  });

  it('keeps the first of repeated DateUTC rows and reports the others with their line', () => {
    // weather1.csv lines 5704-5707 (excerpt 51-54): 23:20 and 23:50 UTC repeated after the BST change,
    // the first copy with a local timestamp a day off; DateUTC decides.
    const bst = parseSample('weather1Dst');
    expect(bst.rejected).toEqual([
      {
        line: 53,
        reason: 'duplicate timestamp',
        detail: '2015-03-29T23:20:00.000Z first at line 51, same values',
      },
      {
        line: 54,
        reason: 'duplicate timestamp',
        detail: '2015-03-29T23:50:00.000Z first at line 52, same values',
      },
    ]);
    expect(bst.observations).toHaveLength(dataLines(sampleText('weather1Dst')) - 2);
    expect(
      bst.observations.filter((o) => o.occurredAt.toISOString() === '2015-03-29T23:20:00.000Z'),
    ).toHaveLength(1);
    // weather2.csv lines 2067/2068 (excerpt 9/10).
    expect(parseSample('weather2Dst').rejected).toEqual([
      {
        line: 10,
        reason: 'duplicate timestamp',
        detail: '2015-03-09T04:56:00.000Z first at line 9, same values',
      },
    ]);
  });

  it('derives the same event ids on re-import', () => {
    const first = parseSample('weather10').observations.map((o) => o.eventId);
    const again = parseSample('weather10').observations.map((o) => o.eventId);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    expect(first[0]).toBe(derivedEventId('bdg1-weather', 'bdg1-weather10', '2012-02-01T21:00:00.000Z'));
  });
});

describe('parseBdg1Weather on rows it cannot use', () => {
  const header =
    'timestamp,TimeXYZ,TemperatureC,Humidity,Wind Direction,Wind SpeedKm/h,WindDirDegrees,DateUTC<br />,timestamp';

  it('rejects rows without a usable DateUTC and with the wrong field count, with their line', () => {
    const text = [
      header,
      'x,1:00 AM,10,50,North,5,0,2015-01-01 01:00:00<br />,x',
      'x,1:00 AM,10,50,North,5,0,<br />,x',
      'x,1:00 AM,10,50,North,5,0,2015-02-30 01:00:00<br />,x',
      'x,1:00 AM,10,50,North,5,0,yesterday<br />,x',
      'x,1:00 AM,10,50',
      '',
      'x,2:00 AM,11,50,NNE,5,-,2015-01-01 02:00:00<br />,x',
    ].join('\r\n');
    const { observations, rejected } = parseBdg1Weather(text, { stationId: 's' });
    expect(observations.map((o) => [o.occurredAt.toISOString(), o.windDirectionDeg])).toEqual([
      ['2015-01-01T01:00:00.000Z', 0],
      // Degrees missing: the compass text fills in.
      ['2015-01-01T02:00:00.000Z', 22.5],
    ]);
    expect(rejected).toEqual([
      { line: 3, reason: 'missing DateUTC', detail: 'DateUTC is empty' },
      { line: 4, reason: 'invalid DateUTC', detail: 'DateUTC "2015-02-30 01:00:00" is not a real time' },
      { line: 5, reason: 'invalid DateUTC', detail: 'DateUTC "yesterday" is not YYYY-MM-DD HH:MM:SS' },
      { line: 6, reason: 'wrong column count', detail: '4 fields, the header has 9' },
    ]);
  });

  it('nulls and reports unusable values of kept rows (the real 0 hPa pressure of weather1.csv line 2163)', () => {
    const text = [
      'DateUTC<br />,Sea Level PressurehPa,TemperatureC,Humidity',
      '2015-01-15 01:20:00<br />,0,10.0,87.0',
      '2015-01-15 01:50:00<br />,985,warm,N/A',
    ].join('\n');
    const { observations, cleaned, rejected } = parseBdg1Weather(text, { stationId: 's' });
    expect(rejected).toEqual([]);
    expect(observations.map((o) => [o.pressureHpa, o.temperatureC, o.relativeHumidityPct])).toEqual([
      [null, 10, 87],
      [985, null, null],
    ]);
    expect(cleaned).toEqual([
      {
        line: 2,
        field: 'pressureHpa',
        value: '0',
        reason: 'out of range',
        detail: 'Sea Level PressurehPa 0 is outside 850..1100',
      },
      {
        line: 3,
        field: 'temperatureC',
        value: 'warm',
        reason: 'not a number',
        detail: 'TemperatureC "warm" is not a number',
      },
    ]);
  });

  it('reports a header without DateUTC on every row, and keeps a stray quote on its own line', () => {
    expect(parseBdg1Weather('TemperatureC\n1\n2\n', { stationId: 's' }).rejected).toEqual([
      { line: 2, reason: 'missing DateUTC', detail: 'the header has no DateUTC column' },
      { line: 3, reason: 'missing DateUTC', detail: 'the header has no DateUTC column' },
    ]);
    const text =
      'DateUTC,TemperatureC\n"2015-01-01 00:00:00"x,1\n2015-01-01 01:00:00,"2"\n2015-01-01 02:00:00,"3\n';
    const stray = parseBdg1Weather(text, { stationId: 's' });
    expect(stray.rejected).toEqual([
      {
        line: 2,
        reason: 'invalid DateUTC',
        detail: 'DateUTC ""2015-01-01 00:00:00"x" is not YYYY-MM-DD HH:MM:SS',
      },
    ]);
    expect(stray.observations.map((o) => o.temperatureC)).toEqual([2, null]);
    expect(stray.cleaned.map((c) => [c.line, c.reason, c.value])).toEqual([[4, 'not a number', '"3']]);
  });

  it('converts imperial exports to the schema units', () => {
    const text = [
      'TimeEST,TemperatureF,Dew PointF,Humidity,Sea Level PressureIn,Wind SpeedMPH,PrecipitationIn,DateUTC<br />',
      '12:53 AM,50.0,32.0,82,30.00,10.0,0.10,2010-03-01 05:53:00<br />',
    ].join('\n');
    const [o] = parseBdg1Weather(text, { stationId: 's' }).observations;
    expect(o?.temperatureC).toBeCloseTo(10, 9);
    expect(o?.dewPointC).toBeCloseTo(0, 9);
    expect(o?.pressureHpa).toBeCloseTo(1015.917, 3);
    expect(o?.windSpeedKmh).toBeCloseTo(16.09344, 9);
    expect(o?.precipitationMm).toBeCloseTo(2.54, 9);
  });

  it('rejects an empty station id and returns nothing for an empty file', () => {
    expect(() => parseBdg1Weather('', { stationId: ' ' })).toThrow();
    expect(parseBdg1Weather('', { stationId: 's' })).toEqual({ observations: [], rejected: [], cleaned: [] });
  });

  it('never throws on content and accounts for every data row (property)', () => {
    const cell = fc.oneof(
      fc.constantFrom('', '-', '-9999', 'Calm', 'Variable', 'North', 'N/A', '<br />', '"', '1e400'),
      fc.string({ maxLength: 6 }),
      fc.double({ noNaN: false }).map(String),
    );
    const date = fc.oneof(
      fc
        .date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
        .map((d) => `${d.toISOString().slice(0, 19).replace('T', ' ')}<br />`),
      fc.string({ maxLength: 8 }),
    );
    const row = fc.tuple(date, fc.array(cell, { minLength: 0, maxLength: 7 }));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const lines = rows.map(([d, cells]) => [d, ...cells].map((c) => c.replace(/[\r\n]/g, '')).join(','));
        const text = [
          'DateUTC<br />,TemperatureC,Humidity,Wind Direction,Wind SpeedKm/h,WindDirDegrees,Conditions,Events',
          ...lines,
        ].join('\n');
        const result = parseBdg1Weather(text, { stationId: 's' });
        for (const o of result.observations) {
          for (const v of [o.temperatureC, o.relativeHumidityPct, o.windSpeedKmh, o.windDirectionDeg]) {
            expect(v === null || Number.isFinite(v)).toBe(true);
          }
        }
        const accounted = result.observations.length + result.rejected.length;
        const nonEmpty = lines.filter((l) => l.length > 0).length;
        // Quoting is off, so every non-empty line is one record: observed or rejected, none dropped.
        return accounted === nonEmpty;
      }),
      { numRuns: 200 },
    );
  });
});
