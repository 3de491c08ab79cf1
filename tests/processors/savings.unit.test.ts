import { describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { hourOfWeek, seededRandom as seeded } from '../../processors/anomalies/index.ts';
import {
  BaselineNotQualifiedError,
  DEFAULT_KNOTS_C,
  GUIDELINE_14_HOURLY_FSU_FACTOR,
  type HourlyObservation,
  lag1Autocorrelation,
  measureSavings,
  savingsUncertainty,
  temperatureSegments,
} from '../../processors/forecasting/index.ts';

const HOUR = 3_600_000;
// Monday 2024-01-01 00:00 UTC.
const START = Date.UTC(2024, 0, 1);
const TIME_ZONE = 'America/New_York';

/** An office: occupied 08-18 local on weekdays, heating and cooling on both sides of mild weather. */
const PROFILE = Array.from({ length: 168 }, (_, slot) => {
  const day = Math.floor(slot / 24);
  const hour = slot % 24;
  return 40 + (day < 5 && hour >= 8 && hour < 18 ? 80 : 0);
});
const SLOPES = [-2.5, -1, 0.5, 2, 3.5, 5];

function temperatureAt(i: number): number {
  return 12 + 14 * Math.sin(i / 400) + 5 * Math.sin((2 * Math.PI * (i - 9)) / 24);
}

/** The building's true consumption hour by hour (no retrofit), with AR(1) noise of about 5 %. */
function counterfactual(hours: number, seed: number): HourlyObservation[] {
  const random = seeded(seed);
  let noise = 0;
  return Array.from({ length: hours }, (_, i) => {
    const hourStart = new Date(START + i * HOUR);
    const temperatureC = temperatureAt(i);
    const slot = hourOfWeek(hourStart, TIME_ZONE);
    const weather = temperatureSegments(temperatureC, DEFAULT_KNOTS_C).reduce(
      (a, s, j) => a + s * (SLOPES[j] as number),
      0,
    );
    // Autocorrelated residuals, as real meters have: ρ ≈ 0.6 before the model's own share.
    noise = 0.6 * noise + (random() - 0.5) * 8;
    return { hourStart, consumption: (PROFILE[slot] as number) + weather + noise, temperatureC };
  });
}

describe('savings uncertainty (ASHRAE Guideline 14, Annex B)', () => {
  it('matches a hand computation with a tabulated t', () => {
    // n = 40 independent points (ρ = 0, so n' = n), p = 30: 10 degrees of freedom, and the t table's
    // two-sided 90 % value for 10 is 1.812. CV 10 %, F = 20 %, m = 100:
    // FSU = 1.26 · 1.812 · (0.10 / 0.20) · sqrt((40/40) · (1 + 2/40) / 100) = 0.11699...
    const u = savingsUncertainty({
      n: 40,
      parameters: 30,
      rho: 0,
      m: 100,
      cvRmse: 0.1,
      adjustedBaseline: 1000,
      avoided: 200,
    });
    expect(u.confidence).toBe(0.9);
    expect(u.nEffective).toBe(40);
    expect(u.t).toBeCloseTo(1.812, 3);
    expect(u.savingsFraction).toBeCloseTo(0.2, 12);
    const byHand = 1.26 * 1.8125 * (0.1 / 0.2) * Math.sqrt(1 * (1 + 2 / 40) * (1 / 100));
    expect(u.fractional).toBeCloseTo(byHand, 4);
    expect(u.fractional).toBeCloseTo(0.117, 3);
    // ΔE = FSU · E_save.
    expect(u.absolute).toBeCloseTo(byHand * 200, 2);
  });

  it('counts autocorrelated hours as fewer independent ones', () => {
    // A year of hours with ρ = 0.6: n' = 8760 · 0.4 / 1.6 = 2190; t(0.95, 2190 − 174 = 2016) = 1.6456.
    // FSU = 1.26 · 1.6456 · (0.2 / 0.1) · sqrt(4 · (1 + 2/2190) / 8760) = 0.08866
    const u = savingsUncertainty({
      n: 8760,
      parameters: 174,
      rho: 0.6,
      m: 8760,
      cvRmse: 0.2,
      adjustedBaseline: 8760 * 100,
      avoided: 8760 * 10,
    });
    expect(u.nEffective).toBeCloseTo(2190, 9);
    expect(u.t).toBeCloseTo(1.6456, 4);
    expect(u.fractional).toBeCloseTo(0.08866, 4);
    expect(GUIDELINE_14_HOURLY_FSU_FACTOR).toBe(1.26);
    // Negative autocorrelation is not taken as more information than n points hold.
    const negative = savingsUncertainty({
      n: 8760,
      parameters: 174,
      rho: -0.3,
      m: 8760,
      cvRmse: 0.2,
      adjustedBaseline: 1,
      avoided: 0.1,
    });
    expect(negative.nEffective).toBe(8760);
    expect(negative.rho).toBe(-0.3);
  });

  it('is infinite as a fraction when nothing was saved, and refuses impossible inputs', () => {
    const none = savingsUncertainty({
      n: 500,
      parameters: 174,
      rho: 0.2,
      m: 100,
      cvRmse: 0.1,
      adjustedBaseline: 100,
      avoided: 0,
    });
    expect(none.fractional).toBe(Number.POSITIVE_INFINITY);
    expect(none.absolute).toBeGreaterThan(0);
    const base = { n: 500, parameters: 174, rho: 0.2, m: 100, cvRmse: 0.1, adjustedBaseline: 1, avoided: 1 };
    expect(() => savingsUncertainty({ ...base, confidence: 90 })).toThrow(/between 0 and 1/);
    expect(() => savingsUncertainty({ ...base, n: 100 })).toThrow(/more baseline points than parameters/);
    expect(() => savingsUncertainty({ ...base, rho: 1 })).toThrow(EaioError);
  });

  it('measures lag-1 autocorrelation over neighbouring hours only', () => {
    const alternating = Array.from({ length: 100 }, (_, i) => ({
      hourStart: new Date(START + i * HOUR),
      residual: i % 2 === 0 ? 1 : -1,
    }));
    expect(lag1Autocorrelation(alternating)).toBeCloseTo(-0.99, 9);
    // The same values two hours apart have no neighbours: nothing to correlate.
    const spaced = alternating.map((r, i) => ({ ...r, hourStart: new Date(START + 2 * i * HOUR) }));
    expect(lag1Autocorrelation(spaced)).toBe(0);
  });
});

describe('measureSavings', () => {
  const BASELINE_HOURS = 12 * 168;
  const REPORTING_HOURS = 6 * 168;
  const CUT = 0.15;

  function retrofit(seed: number) {
    const truth = counterfactual(BASELINE_HOURS + REPORTING_HOURS, seed);
    const baseline = truth.slice(0, BASELINE_HOURS);
    const without = truth.slice(BASELINE_HOURS);
    const reporting = without.map((h) => ({ ...h, consumption: h.consumption * (1 - CUT) }));
    const trueAvoided = without.reduce((s, h) => s + h.consumption * CUT, 0);
    return { baseline, reporting, trueAvoided };
  }

  it('recovers a 15 % cut within its 90 % uncertainty, on all but a tenth of seeded buildings', () => {
    // A 90 % interval misses about one building in ten by design: check its coverage, not one draw.
    const seeds = Array.from({ length: 12 }, (_, i) => i + 1);
    let covered = 0;
    for (const seed of seeds) {
      const { baseline, reporting, trueAvoided } = retrofit(seed);
      const m = measureSavings({ baseline, reporting, timeZone: TIME_ZONE });
      expect(m.baselineHours).toBe(BASELINE_HOURS);
      expect(m.reportingHours).toBe(REPORTING_HOURS);
      expect(m.baselineScores.cvRmse).toBeLessThan(0.3);
      expect(m.coefficients).toBe(168 + DEFAULT_KNOTS_C.length + 1);
      expect(m.parameters).toBeLessThanOrEqual(m.coefficients);
      expect(m.uncertainty.rho).toBeGreaterThan(0.3);
      expect(m.uncertainty.nEffective).toBeLessThan(BASELINE_HOURS);
      expect(m.uncertainty.m).toBe(REPORTING_HOURS);
      expect(m.avoided).toBeCloseTo(m.adjustedBaseline - m.actual, 6);
      // A useful measurement: the uncertainty is a small part of the savings, and the estimate is
      // never far outside it.
      expect(m.uncertainty.fractional).toBeLessThan(0.5);
      expect(Math.abs(m.savingsFraction - CUT)).toBeLessThan(0.03);
      expect(Math.abs(m.avoided - trueAvoided)).toBeLessThanOrEqual(2 * m.uncertainty.absolute);
      if (Math.abs(m.avoided - trueAvoided) <= m.uncertainty.absolute) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(10);
  });

  it('gives the same answer, model hash included, twice', () => {
    const { baseline, reporting } = retrofit(4);
    const a = measureSavings({ baseline, reporting, timeZone: TIME_ZONE });
    const b = measureSavings({ baseline: [...baseline], reporting: [...reporting], timeZone: TIME_ZONE });
    expect(b).toEqual(a);
    expect(b.modelHash).toBe(a.modelHash);
    expect(a.modelHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves out and counts hours without a temperature or a consumption', () => {
    const { baseline, reporting } = retrofit(5);
    const holed = baseline.map((h, i) =>
      i % 50 === 0 ? { ...h, temperatureC: undefined } : i % 77 === 1 ? { ...h, consumption: Number.NaN } : h,
    );
    const m = measureSavings({ baseline: holed, reporting, timeZone: TIME_ZONE });
    const missingTemperature = holed.filter((h) => h.temperatureC === undefined).length;
    const missingConsumption = holed.filter((h) => Number.isNaN(h.consumption)).length;
    expect(m.leftOut.baseline).toEqual({ missingTemperature, missingConsumption });
    expect(m.baselineHours).toBe(BASELINE_HOURS - missingTemperature - missingConsumption);
    expect(m.leftOut.reporting).toEqual({ missingTemperature: 0, missingConsumption: 0 });
  });

  it('refuses a baseline of pure noise, with the figures that failed Guideline 14', () => {
    const random = seeded(9);
    const noise = (hours: number, from: number) =>
      Array.from({ length: hours }, (_, i) => ({
        hourStart: new Date(START + (from + i) * HOUR),
        consumption: 100 * random(),
        temperatureC: temperatureAt(from + i),
      }));
    let error: unknown;
    try {
      measureSavings({ baseline: noise(8 * 168, 0), reporting: noise(168, 8 * 168), timeZone: TIME_ZONE });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BaselineNotQualifiedError);
    const refusal = error as BaselineNotQualifiedError;
    expect(refusal.code).toBe('INVALID_ARGUMENT');
    expect(refusal.scores.cvRmse).toBeGreaterThan(0.3);
    const pct = `${(refusal.scores.cvRmse * 100).toFixed(1)} %`;
    expect(refusal.message).toContain(`CV(RMSE) ${pct} is above the 30.0 % limit`);
    expect(refusal.message).toMatch(/Guideline 14's hourly limits over 1344 baseline hours/);
    expect(refusal.context).toMatchObject({ cvRmseLimit: 0.3, nmbeLimit: 0.1, n: 1344 });
  });

  it('says when no reporting hour can be compared', () => {
    const { baseline, reporting } = retrofit(6);
    expect(() =>
      measureSavings({
        baseline,
        reporting: reporting.map((h) => ({ ...h, temperatureC: undefined })),
        timeZone: TIME_ZONE,
      }),
    ).toThrow(/no reporting hour has both consumption and a temperature \(1008 without a temperature/);
  });
});
