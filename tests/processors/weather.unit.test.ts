import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import type { DegreeHourSample } from '../../processors/weather/index.ts';
import {
  DEFAULT_DEGREE_HOUR_BASES,
  degreeHours,
  fitDegreeHourModel,
  HOURLY_WEATHER_SOURCE,
  hourlyWeather,
  joinBuildingsToWeather,
  meanDirectionDeg,
  predictConsumption,
  stationsOfBuildings,
  weatherNormalisedConsumption,
} from '../../processors/weather/index.ts';
import { type BuildingRegistered, derivedEventId, type WeatherObservation } from '../../schemas/index.ts';
import { BDG1_WEATHER_SAMPLES, parseBdg1Weather } from '../../sources/bdg1/weather/index.ts';

/** An observation of `stationId` at `time` (HH:MM on 2015-01-01 UTC) with the given measurements. */
function obs(stationId: string, time: string, m: Partial<WeatherObservation> = {}): WeatherObservation {
  return {
    eventId: `${stationId}@${time}`,
    occurredAt: new Date(`2015-01-01T${time}:00Z`),
    source: 'test',
    stationId,
    temperatureC: null,
    dewPointC: null,
    relativeHumidityPct: null,
    pressureHpa: null,
    windSpeedKmh: null,
    windDirectionDeg: null,
    precipitationMm: null,
    conditions: null,
    traceContext: null,
    ...m,
  };
}

/** The hourly observation expected for `stationId` and the hour starting at `hour` (HH:00). */
function hourly(stationId: string, hour: string, m: Partial<WeatherObservation> = {}): WeatherObservation {
  const iso = `2015-01-01T${hour}:00.000Z`;
  return {
    ...obs(stationId, hour, m),
    eventId: derivedEventId('weather-hourly', stationId, iso),
    occurredAt: new Date(iso),
    source: HOURLY_WEATHER_SOURCE,
  };
}

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('hourlyWeather', () => {
  it('averages an hour and emits it when the station watermark passes its end', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-b-c-|', {
        a: obs('S', '00:20', { temperatureC: 7, windSpeedKmh: 5.6, conditions: 'Unknown?' }),
        b: obs('S', '00:50', { temperatureC: 5, relativeHumidityPct: 87, conditions: 'Fog' }),
        c: obs('S', '01:20', { temperatureC: 4 }),
      });
      expectObservable(input.pipe(hourlyWeather())).toBe('-----x-(y|)', {
        x: hourly('S', '00:00', {
          temperatureC: 6,
          windSpeedKmh: 5.6,
          relativeHumidityPct: 87,
          conditions: 'Fog',
        }),
        y: hourly('S', '01:00', { temperatureC: 4 }),
      });
    });
  });

  it('waits for allowed lateness, takes late-but-allowed observations, and hands later ones to onLate', () => {
    const late: WeatherObservation[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-b-c-d-e-|', {
        a: obs('S', '00:20', { temperatureC: 10 }),
        b: obs('S', '01:20', { temperatureC: 0 }),
        // Behind the watermark but within 30 minutes of lateness: still counts for 00:00.
        c: obs('S', '00:40', { temperatureC: 20 }),
        d: obs('S', '01:40', { temperatureC: 2 }),
        // Hour 00:00 was emitted at d (01:40 >= 01:00 + 30 min): late.
        e: obs('S', '00:59', { temperatureC: 99 }),
      });
      expectObservable(
        input.pipe(hourlyWeather({ allowedLatenessMs: 30 * 60_000, onLate: (o) => late.push(o) })),
      ).toBe('-------x---(y|)', {
        x: hourly('S', '00:00', { temperatureC: 15 }),
        y: hourly('S', '01:00', { temperatureC: 1 }),
      });
    });
    expect(late.map((o) => o.eventId)).toEqual(['S@00:59']);
  });

  it('keeps one watermark per station and the first of repeated times', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-b-c-d-|', {
        a: obs('A', '00:10', { temperatureC: 1 }),
        b: obs('A', '00:10', { temperatureC: 100 }),
        // B's observation at 02:00 closes nothing of A.
        c: obs('B', '02:00', { temperatureC: 5 }),
        d: obs('A', '01:05', { temperatureC: 3 }),
      });
      expectObservable(input.pipe(hourlyWeather())).toBe('-------x-(yz|)', {
        x: hourly('A', '00:00', { temperatureC: 1 }),
        y: hourly('A', '01:00', { temperatureC: 3 }),
        z: hourly('B', '02:00', { temperatureC: 5 }),
      });
    });
  });

  it('sums precipitation, takes the circular mean of wind direction, leaves unreported fields null', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-b-|', {
        a: obs('S', '00:00', { windDirectionDeg: 350, precipitationMm: 0.2, conditions: 'Rain' }),
        b: obs('S', '00:30', { windDirectionDeg: 10, precipitationMm: 0.4, conditions: null }),
      });
      expectObservable(input.pipe(hourlyWeather())).toBe('-----(x|)', {
        x: hourly('S', '00:00', { windDirectionDeg: 0, precipitationMm: 0.2 + 0.4, conditions: 'Rain' }),
      });
    });
    expect(meanDirectionDeg([90, 270])).toBeNull();
    expect(meanDirectionDeg([80, 100])).toBeCloseTo(90, 9);
    expect(meanDirectionDeg([])).toBeNull();
  });

  it('passes an input error on without flushing, and rejects invalid options', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-#', { a: obs('S', '00:00', { temperatureC: 1 }) });
      expectObservable(input.pipe(hourlyWeather())).toBe('---#');
    });
    expect(() => hourlyWeather({ allowedLatenessMs: -1 })).toThrow(EaioError);
  });

  it('gives the same hours for any arrival order within allowed lateness (property)', async () => {
    const times = ['00:05', '00:25', '00:45', '01:10', '01:30', '01:50', '02:15', '02:40'];
    const base = times.map((t, i) =>
      obs(i % 2 === 0 ? 'A' : 'B', t, { temperatureC: i * 1.1, windDirectionDeg: i * 40 }),
    );
    const run = (input: readonly WeatherObservation[]) =>
      lastValueFrom(from(input).pipe(hourlyWeather({ allowedLatenessMs: 3 * 3_600_000 }), toArray()));
    const sorted = (out: WeatherObservation[]) => [...out].sort((a, b) => a.eventId.localeCompare(b.eventId));
    const reference = sorted(await run(base));
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(base, { minLength: base.length }), async (shuffled) => {
        expect(sorted(await run(shuffled))).toEqual(reference);
      }),
      { numRuns: 50 },
    );
  });

  it('turns the real half-hourly weather1 sample into one observation per UTC hour', async () => {
    const text = readFileSync(BDG1_WEATHER_SAMPLES.weather1, 'utf8');
    const { observations } = parseBdg1Weather(text, { stationId: 'bdg1-weather1' });
    const hours = await lastValueFrom(from(observations).pipe(hourlyWeather(), toArray()));
    // 299 observations at :20 and :50 cover 150 hours, the last with one observation.
    expect(hours).toHaveLength(150);
    expect(hours[0]).toMatchObject({
      occurredAt: new Date('2014-12-01T00:00:00Z'),
      temperatureC: 6, // (7 + 5) / 2, weather1.csv lines 2-3
      dewPointC: 4.5,
      windSpeedKmh: 6.5,
      // Line 2 is Variable (null), so the direction is line 3's alone.
      windDirectionDeg: 340,
    });
    expect(new Set(hours.map((h) => h.eventId)).size).toBe(150);
  });
});

describe('degree-hours', () => {
  it('uses the 60 °F / 65 °F bases by default', () => {
    expect(DEFAULT_DEGREE_HOUR_BASES).toEqual({ heatingBaseC: 15.5, coolingBaseC: 18.3 });
  });

  it('computes heating and cooling degree-hours on hand values', () => {
    const dh = degreeHours();
    expect(dh.heating(10)).toBe(5.5);
    expect(dh.cooling(10)).toBe(0);
    expect(dh.heating(-4.5)).toBe(20);
    expect(dh.heating(20)).toBe(0);
    expect(dh.cooling(20)).toBeCloseTo(1.7, 12);
    expect(dh.ofHour({ temperatureC: 16 })).toEqual({ heating: 0, cooling: 0 });
    expect(dh.ofHour({ temperatureC: null })).toBeNull();
    const total = dh.total([
      { temperatureC: 10 },
      { temperatureC: null },
      { temperatureC: 25.3 },
      { temperatureC: 15.5 },
    ]);
    expect(total.heating).toBe(5.5);
    expect(total.cooling).toBeCloseTo(7, 12);
    expect(total).toMatchObject({ hours: 3, missingHours: 1 });
    expect(degreeHours({ heatingBaseC: 12 }).heating(10)).toBe(2);
  });

  it('rejects bases that are not finite or overlap', () => {
    expect(() => degreeHours({ heatingBaseC: 20, coolingBaseC: 18 })).toThrow(EaioError);
    expect(() => degreeHours({ heatingBaseC: Number.NaN })).toThrow(EaioError);
  });
});

describe('degree-hour model', () => {
  /** Synthetic days: consumption = 120 + 2.5·HDD + 4·CDD (+ a deterministic wobble of ±`noise`). */
  function days(noise: number, withCooling = true): DegreeHourSample[] {
    return Array.from({ length: 60 }, (_, d) => {
      const hdd = Math.max(0, 200 * Math.cos((d / 60) * 2 * Math.PI)) + (d % 7);
      const cdd = withCooling ? Math.max(0, -150 * Math.cos((d / 60) * 2 * Math.PI)) + (d % 5) : 0;
      return { hdd, cdd, consumption: 120 + 2.5 * hdd + 4 * cdd + noise * Math.sin(d * 12.9898) };
    });
  }

  it('recovers known coefficients by least squares', () => {
    const exact = fitDegreeHourModel(days(0));
    expect(exact.base).toBeCloseTo(120, 8);
    expect(exact.heatingSlope).toBeCloseTo(2.5, 10);
    expect(exact.coolingSlope).toBeCloseTo(4, 10);
    expect(exact.r2).toBeCloseTo(1, 12);
    expect(exact.samples).toBe(60);
    const noisy = fitDegreeHourModel(days(5));
    expect(noisy.heatingSlope).toBeCloseTo(2.5, 1);
    expect(noisy.coolingSlope).toBeCloseTo(4, 1);
    expect(noisy.r2).toBeGreaterThan(0.99);
  });

  it('sets the slope of degree-hours that never vary to 0 (a winter without cooling)', () => {
    const winter = fitDegreeHourModel(days(0, false));
    expect(winter.coolingSlope).toBe(0);
    expect(winter.heatingSlope).toBeCloseTo(2.5, 10);
    expect(winter.base).toBeCloseTo(120, 8);
    expect(() => fitDegreeHourModel([])).toThrow(EaioError);
    expect(() =>
      fitDegreeHourModel([
        { hdd: 1, cdd: 2, consumption: 3 },
        { hdd: 2, cdd: 4, consumption: 5 },
        { hdd: 3, cdd: 6, consumption: 8 },
      ]),
    ).toThrow(/collinear/);
  });

  it('normalises consumption for weather', () => {
    const model = { base: 100, heatingSlope: 2, coolingSlope: 3, r2: 1, samples: 10 };
    expect(predictConsumption(10, 5, model)).toBe(135);
    // The weather-independent part of 150 in a period with 10 HDH and 5 CDH: 150 - 20 - 15.
    expect(weatherNormalisedConsumption(150, 10, 5, model)).toBe(115);
    // Re-expressed for a normal period of 20 HDH and 0 CDH: 150 - 2·(10 - 20) - 3·(5 - 0).
    expect(weatherNormalisedConsumption(150, 10, 5, model, { hdd: 20, cdd: 0 })).toBe(155);
  });
});

describe('joinBuildingsToWeather', () => {
  function registered(buildingId: string, at: string, weatherStationId: string | null): BuildingRegistered {
    return {
      eventId: `${buildingId}@${at}`,
      occurredAt: new Date(at),
      source: 'test',
      buildingId,
      primaryUse: 'Office',
      timezone: 'Europe/London',
      weatherStationId,
    };
  }

  const registrations = [
    registered('B1', '2015-01-01T00:00:00Z', 'bdg1-weather1'),
    registered('B2', '2015-01-01T00:00:00Z', 'bdg1-weather2'),
    // B1 moved to weather2 later: the latest registration wins, also when it arrives first.
    registered('B1', '2015-02-01T00:00:00Z', 'bdg1-weather2'),
    registered('B3', '2015-01-01T00:00:00Z', 'bdg1-weather1'),
    registered('B3', '2015-03-01T00:00:00Z', null),
  ].reverse();

  it('takes the latest registration of each building', () => {
    expect([...stationsOfBuildings(registrations)].sort()).toEqual([
      ['B1', 'bdg1-weather2'],
      ['B2', 'bdg1-weather2'],
    ]);
  });

  it("gives each building its station's degree-hours per hour and ignores stations without buildings", () => {
    const weather = [
      hourly('bdg1-weather2', '01:00', { temperatureC: 20.3 }),
      hourly('bdg1-weather2', '00:00', { temperatureC: 10.5 }),
      hourly('bdg1-weather1', '00:00', { temperatureC: 0 }),
      hourly('bdg1-weather10', '00:00', { temperatureC: 30 }),
      hourly('bdg1-weather2', '02:00', { temperatureC: null }),
    ];
    const rows = joinBuildingsToWeather(registrations, weather);
    expect(rows.map((r) => [r.hourStart.toISOString().slice(11, 16), r.buildingId, r.stationId])).toEqual([
      ['00:00', 'B1', 'bdg1-weather2'],
      ['00:00', 'B2', 'bdg1-weather2'],
      ['01:00', 'B1', 'bdg1-weather2'],
      ['01:00', 'B2', 'bdg1-weather2'],
      ['02:00', 'B1', 'bdg1-weather2'],
      ['02:00', 'B2', 'bdg1-weather2'],
    ]);
    expect(rows[0]).toEqual({
      buildingId: 'B1',
      stationId: 'bdg1-weather2',
      hourStart: new Date('2015-01-01T00:00:00Z'),
      temperatureC: 10.5,
      heatingDegreeHours: 5,
      coolingDegreeHours: 0,
      weatherEventId: derivedEventId('weather-hourly', 'bdg1-weather2', '2015-01-01T00:00:00.000Z'),
    });
    expect(rows[2]?.coolingDegreeHours).toBeCloseTo(2, 12);
    expect(rows[4]).toMatchObject({ temperatureC: null, heatingDegreeHours: null, coolingDegreeHours: null });
  });
});
