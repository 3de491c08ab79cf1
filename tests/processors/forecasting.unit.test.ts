import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { hourOfWeek } from '../../processors/anomalies/index.ts';
import {
  DEFAULT_KNOTS_C,
  fitTowt,
  type HourlyObservation,
  meetsGuideline14Hourly,
  modelContentHash,
  predictTowt,
  scoreForecast,
  seasonalNaiveForecast,
  temperatureSegments,
  towtCoefficients,
  towtFeatureNames,
  towtFromCoefficients,
} from '../../processors/forecasting/index.ts';

const HOUR = 3_600_000;
// Monday 2024-01-01 00:00 UTC.
const START = Date.UTC(2024, 0, 1);

/** A known building: occupied 08-18 on weekdays, with a heating and a cooling response. */
const TRUE_HOURS = Array.from({ length: 168 }, (_, slot) => {
  const day = Math.floor(slot / 24);
  const hour = slot % 24;
  return 20 + (day < 5 && hour >= 8 && hour < 18 ? 55 + hour : 0) + (slot % 7) * 0.5;
});
const TRUE_SLOPES = [-3, -1.5, 0.25, 2, 4.5, 6];

function temperatureAt(hourIndex: number): number {
  // Covers every segment, below the first knot and above the last, in no fixed phase with the week.
  return 15 + 20 * Math.sin(hourIndex / 97) + 6 * Math.cos(hourIndex / 5.3);
}

function synthetic(
  hours: number,
  timeZone: string,
  noise: (i: number) => number = () => 0,
): HourlyObservation[] {
  return Array.from({ length: hours }, (_, i) => {
    const hourStart = new Date(START + i * HOUR);
    const temperatureC = temperatureAt(i);
    const segments = temperatureSegments(temperatureC, DEFAULT_KNOTS_C);
    const slot = hourOfWeek(hourStart, timeZone);
    const consumption =
      (TRUE_HOURS[slot] as number) +
      segments.reduce((a, s, j) => a + s * (TRUE_SLOPES[j] as number), 0) +
      noise(i);
    return { hourStart, consumption, temperatureC };
  });
}

describe('TOWT', () => {
  it.each(['UTC', 'America/New_York', 'Europe/London'])(
    'recovers known coefficients exactly from noiseless data (%s)',
    (timeZone) => {
      const model = fitTowt(synthetic(10 * 168, timeZone), { timeZone });
      expect(model.samples).toBe(1680);
      for (const [slot, value] of model.hourOfWeek.entries()) {
        expect(value).toBeCloseTo(TRUE_HOURS[slot] as number, 6);
      }
      for (const [j, value] of model.temperatureSlopes.entries()) {
        expect(value).toBeCloseTo(TRUE_SLOPES[j] as number, 6);
      }
    },
  );

  it('predicts what it was fitted on', () => {
    const data = synthetic(4 * 168, 'America/New_York');
    const model = fitTowt(data, { timeZone: 'America/New_York' });
    for (const o of data.slice(0, 200)) {
      expect(predictTowt(model, o.hourStart, o.temperatureC as number)).toBeCloseTo(o.consumption, 6);
    }
  });

  it('gives segments the weather never reached a zero slope and still reproduces the training data', () => {
    const timeZone = 'UTC';
    // 14-20 °C only: below the first knot 12.8 never, above 18.3 sometimes, above 23.9 never.
    const data = Array.from({ length: 3 * 168 }, (_, i) => {
      const hourStart = new Date(START + i * HOUR);
      const temperatureC = 17 + 3 * Math.sin(i / 11);
      const consumption = 40 + (i % 24) + 2 * Math.max(temperatureC - 18.3, 0);
      return { hourStart, consumption, temperatureC };
    });
    const model = fitTowt(data, { timeZone });
    expect(model.temperatureSlopes[0]).toBe(0);
    expect(model.temperatureSlopes[1]).toBeCloseTo(0, 6);
    expect(model.temperatureSlopes[2]).toBeCloseTo(2, 6);
    expect(model.temperatureSlopes.slice(3)).toEqual([0, 0, 0]);
    for (const o of data)
      expect(predictTowt(model, o.hourStart, o.temperatureC)).toBeCloseTo(o.consumption, 6);
  });

  it('leaves out hours without a temperature or a finite value, and gives unseen hours of week the mean', () => {
    const data = synthetic(3 * 168, 'UTC').map((o, i) =>
      i % 168 === 5 ? { ...o, temperatureC: undefined } : i === 7 ? { ...o, consumption: Number.NaN } : o,
    );
    const model = fitTowt(data, { timeZone: 'UTC' });
    expect(model.samples).toBe(3 * 168 - 3 - 1);
    const seen = model.hourOfWeek.filter((_, slot) => slot !== 5);
    expect(model.hourOfWeek[5]).toBeCloseTo(seen.reduce((a, b) => a + b, 0) / seen.length, 9);
  });

  it('with rejectOutliersMad, refits without meter spikes and recovers the true coefficients', () => {
    const spiked = new Set([30, 400, 777, 1200, 1500]);
    const data = synthetic(10 * 168, 'UTC').map((o, i) =>
      spiked.has(i) ? { ...o, consumption: o.consumption * 9 } : o,
    );
    const plain = fitTowt(data, { timeZone: 'UTC' });
    const robust = fitTowt(data, { timeZone: 'UTC', rejectOutliersMad: 4 });
    const worst = (model: typeof plain) =>
      Math.max(...model.hourOfWeek.map((v, slot) => Math.abs(v - (TRUE_HOURS[slot] as number))));
    expect(worst(plain)).toBeGreaterThan(10);
    expect(worst(robust)).toBeLessThan(1e-6);
    expect(robust.samples).toBeLessThanOrEqual(10 * 168 - spiked.size);
    // Noiseless data has no spread to judge by: the fit is kept as it is.
    const clean = synthetic(2 * 168, 'UTC');
    expect(fitTowt(clean, { timeZone: 'UTC', rejectOutliersMad: 4 })).toEqual(
      fitTowt(clean, { timeZone: 'UTC' }),
    );
  });

  it('refuses too few hours and bad knots with typed errors', () => {
    expect(() => fitTowt(synthetic(100, 'UTC'), { timeZone: 'UTC' })).toThrow(/at least 168 hours/);
    expect(() => fitTowt(synthetic(200, 'UTC'), { timeZone: 'UTC', knotsC: [10, 5] })).toThrow(EaioError);
    expect(() => fitTowt(synthetic(200, 'UTC'), { timeZone: 'Mars/Olympus' })).toThrow(/Unknown time zone/);
  });

  it('is deterministic: the same data gives the same coefficients and content hash', () => {
    const data = synthetic(4 * 168, 'UTC', (i) => Math.sin(i * 12.9898) * 3);
    const a = fitTowt(data, { timeZone: 'UTC' });
    const b = fitTowt([...data], { timeZone: 'UTC' });
    expect(towtCoefficients(a)).toEqual(towtCoefficients(b));
    expect(modelContentHash(a)).toBe(modelContentHash(b));
    expect(modelContentHash({ ...a, samples: a.samples + 1 })).not.toBe(modelContentHash(a));
  });

  it('round-trips through its coefficient vector with named features', () => {
    const model = fitTowt(synthetic(2 * 168, 'UTC'), { timeZone: 'UTC' });
    const names = towtFeatureNames(model);
    expect(names).toHaveLength(168 + DEFAULT_KNOTS_C.length + 1);
    expect(names.slice(168)).toEqual([
      'temp_below_12.8',
      'temp_12.8_to_18.3',
      'temp_18.3_to_23.9',
      'temp_23.9_to_29.4',
      'temp_29.4_to_32.2',
      'temp_above_32.2',
    ]);
    const back = towtFromCoefficients({ ...model, coefficients: towtCoefficients(model) });
    expect(back).toEqual(model);
    expect(() => towtFromCoefficients({ ...model, coefficients: [1, 2] })).toThrow(/174 coefficients, got 2/);
  });

  it('temperature segments sum to the temperature and are continuous at the knots', () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 50, noNaN: true }), (t) => {
        const segments = temperatureSegments(t, DEFAULT_KNOTS_C);
        expect(segments.reduce((a, b) => a + b, 0)).toBeCloseTo(t, 9);
      }),
    );
  });
});

describe('seasonal naive', () => {
  const history = new Map(Array.from({ length: 3 * 168 }, (_, i) => [START + i * HOUR, i] as const));

  it('repeats the same hour one week earlier', () => {
    expect(seasonalNaiveForecast(history, new Date(START + 200 * HOUR))).toBe(32);
    expect(seasonalNaiveForecast(history, new Date(START + 100 * HOUR))).toBeUndefined();
  });

  it('reaches back to the last whole week known when the forecast was issued', () => {
    const issuedAt = new Date(START + 400 * HOUR);
    expect(seasonalNaiveForecast(history, new Date(START + 401 * HOUR), issuedAt)).toBe(233);
    expect(seasonalNaiveForecast(history, new Date(START + 568 * HOUR), issuedAt)).toBe(232);
  });
});

describe('Guideline 14 scores', () => {
  it('computes CV(RMSE), NMBE and r² as the guideline defines them', () => {
    const actual = [10, 12, 14, 16];
    const predicted = [11, 11, 15, 15];
    const scores = scoreForecast(actual, predicted);
    expect(scores.n).toBe(4);
    expect(scores.meanActual).toBe(13);
    expect(scores.cvRmse).toBeCloseTo(1 / 13, 12);
    expect(scores.nmbe).toBeCloseTo(0, 12);
    expect(scores.r2).toBeCloseTo(1 - 4 / 20, 12);
    const inSample = scoreForecast(actual, predicted, 2);
    expect(inSample.cvRmse).toBeCloseTo(Math.sqrt(4 / 2) / 13, 12);
  });

  it('signs NMBE positive when the model under-predicts, and applies the hourly limits', () => {
    const scores = scoreForecast([100, 100], [80, 80]);
    expect(scores.nmbe).toBeCloseTo(0.2, 12);
    expect(meetsGuideline14Hourly(scores)).toBe(false);
    expect(meetsGuideline14Hourly({ cvRmse: 0.29, nmbe: -0.09 })).toBe(true);
  });

  it('refuses unpaired or too few values', () => {
    expect(() => scoreForecast([1, 2], [1])).toThrow(/pair up/);
    expect(() => scoreForecast([1, 2], [1, 2], 2)).toThrow(EaioError);
  });
});
