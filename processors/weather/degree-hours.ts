/**
 * Degree-hours and a simple weather-normalisation model, as pure functions.
 *
 * A heating degree-hour (HDH) is one hour spent one kelvin below the heating base temperature,
 * `max(0, base - T)`; a cooling degree-hour (CDH) one hour one kelvin above the cooling base,
 * `max(0, T - base)`. T is the hour's mean temperature (from `hourlyWeather`); using the mean rather
 * than integrating within the hour slightly underestimates hours that cross the base.
 */
import { EaioError } from '../../infra/errors/index.ts';
import type { WeatherObservation } from '../../schemas/index.ts';

/** Base temperatures of degree-hours, in degrees Celsius. */
export interface DegreeHourBases {
  /** Below this, a building is assumed to need heating. */
  readonly heatingBaseC: number;
  /** Above this, a building is assumed to need cooling. */
  readonly coolingBaseC: number;
}

/**
 * The common bases: 15.5 °C heating (60 °F, the UK CIBSE convention, 15.56 °C exactly) and 18.3 °C
 * cooling (65 °F, the US ASHRAE/NOAA convention, 18.33 °C exactly). Buildings differ: fit the bases
 * to a building when the data allows.
 */
export const DEFAULT_DEGREE_HOUR_BASES: DegreeHourBases = Object.freeze({
  heatingBaseC: 15.5,
  coolingBaseC: 18.3,
});

/** Heating and cooling degree-hours of one hour, or of a period when summed. */
export interface DegreeHours {
  readonly heating: number;
  readonly cooling: number;
}

/** Degree-hour functions bound to validated bases; see {@link degreeHours}. */
export interface DegreeHourCalculator {
  readonly bases: DegreeHourBases;
  /** Heating degree-hours of one hour at mean temperature `temperatureC`. */
  heating(temperatureC: number): number;
  /** Cooling degree-hours of one hour at mean temperature `temperatureC`. */
  cooling(temperatureC: number): number;
  /** Both, for one hourly observation; null when its temperature is missing. */
  ofHour(hourly: Pick<WeatherObservation, 'temperatureC'>): DegreeHours | null;
  /** Sums over hourly observations; hours without temperature are skipped and counted. */
  total(hourly: Iterable<Pick<WeatherObservation, 'temperatureC'>>): DegreeHours & {
    readonly hours: number;
    readonly missingHours: number;
  };
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

/** Heating degree-hours of one hour: `max(0, base - T)`. */
export function heatingDegreeHours(
  temperatureC: number,
  heatingBaseC = DEFAULT_DEGREE_HOUR_BASES.heatingBaseC,
): number {
  return Math.max(0, heatingBaseC - temperatureC);
}

/** Cooling degree-hours of one hour: `max(0, T - base)`. */
export function coolingDegreeHours(
  temperatureC: number,
  coolingBaseC = DEFAULT_DEGREE_HOUR_BASES.coolingBaseC,
): number {
  return Math.max(0, temperatureC - coolingBaseC);
}

/**
 * Degree-hour functions for the given bases (default {@link DEFAULT_DEGREE_HOUR_BASES}). Throws an
 * `INVALID_ARGUMENT` EaioError when a base is not finite or the heating base is above the cooling
 * base (an hour would then count as both).
 */
export function degreeHours(bases: Partial<DegreeHourBases> = {}): DegreeHourCalculator {
  const resolved: DegreeHourBases = Object.freeze({ ...DEFAULT_DEGREE_HOUR_BASES, ...bases });
  const { heatingBaseC, coolingBaseC } = resolved;
  if (!Number.isFinite(heatingBaseC) || !Number.isFinite(coolingBaseC)) {
    throw invalid('degree-hour bases must be finite numbers', { heatingBaseC, coolingBaseC });
  }
  if (heatingBaseC > coolingBaseC) {
    throw invalid(`heatingBaseC ${heatingBaseC} is above coolingBaseC ${coolingBaseC}`, {
      heatingBaseC,
      coolingBaseC,
    });
  }
  const heating = (t: number): number => heatingDegreeHours(t, heatingBaseC);
  const cooling = (t: number): number => coolingDegreeHours(t, coolingBaseC);
  const ofHour = (hourly: Pick<WeatherObservation, 'temperatureC'>): DegreeHours | null => {
    const t = hourly.temperatureC;
    return typeof t === 'number' && Number.isFinite(t) ? { heating: heating(t), cooling: cooling(t) } : null;
  };
  return {
    bases: resolved,
    heating,
    cooling,
    ofHour,
    total(hourly) {
      let h = 0;
      let c = 0;
      let hours = 0;
      let missingHours = 0;
      for (const hour of hourly) {
        const dh = ofHour(hour);
        if (dh === null) {
          missingHours += 1;
          continue;
        }
        h += dh.heating;
        c += dh.cooling;
        hours += 1;
      }
      return { heating: h, cooling: c, hours, missingHours };
    },
  };
}

/** One period (e.g. a day or a month) of a building: its consumption and the period's degree-hours. */
export interface DegreeHourSample {
  readonly consumption: number;
  readonly hdd: number;
  readonly cdd: number;
}

/**
 * `consumption = base + heatingSlope·HDD + coolingSlope·CDD`, fitted by least squares. A slope is 0
 * when its degree-hours did not vary over the fitted period (e.g. no cooling in winter).
 */
export interface DegreeHourModel {
  /** Weather-independent consumption per period. */
  readonly base: number;
  /** Consumption per heating degree-hour. */
  readonly heatingSlope: number;
  /** Consumption per cooling degree-hour. */
  readonly coolingSlope: number;
  /** Coefficient of determination over the fitted samples (1 when consumption is constant and fitted exactly). */
  readonly r2: number;
  /** Number of samples fitted. */
  readonly samples: number;
}

/** Solves `a·x = b` by Gaussian elimination with partial pivoting; null when `a` is singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  const scale = Math.max(1, ...m.flat().map(Math.abs));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    }
    const pivotRow = m[pivot];
    const colRow = m[col];
    if (pivotRow === undefined || colRow === undefined) return null;
    const p = pivotRow[col] ?? 0;
    if (Math.abs(p) < 1e-12 * scale) return null;
    m[pivot] = colRow;
    m[col] = pivotRow;
    for (let r = 0; r < n; r++) {
      const row = m[r];
      if (r === col || row === undefined) continue;
      const factor = (row[col] ?? 0) / p;
      for (let k = col; k <= n; k++) row[k] = (row[k] ?? 0) - factor * (pivotRow[k] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}

/**
 * Fits {@link DegreeHourModel} by ordinary least squares (normal equations over centred regressors).
 * Regressors that do not vary are left out with slope 0. Throws an `INVALID_ARGUMENT` EaioError for
 * fewer samples than parameters, non-finite values, or HDD and CDD that are collinear.
 */
export function fitDegreeHourModel(samples: readonly DegreeHourSample[]): DegreeHourModel {
  for (const s of samples) {
    if (![s.consumption, s.hdd, s.cdd].every(Number.isFinite)) {
      throw invalid('samples must be finite numbers', { sample: s });
    }
  }
  const n = samples.length;
  if (n === 0) throw invalid('at least one sample is needed to fit a model', { samples: 0 });
  const avg = (f: (s: DegreeHourSample) => number): number => samples.reduce((a, s) => a + f(s), 0) / n;
  const my = avg((s) => s.consumption);
  const regressors = (['hdd', 'cdd'] as const).filter((k) => {
    const mk = avg((s) => s[k]);
    return samples.some((s) => Math.abs(s[k] - mk) > 1e-12 * Math.max(1, Math.abs(mk)));
  });
  if (n < regressors.length + 1) {
    throw invalid(`${n} samples cannot fit ${regressors.length + 1} parameters`, { samples: n });
  }
  const means = regressors.map((k) => avg((s) => s[k]));
  // Centring makes the intercept drop out and keeps the normal equations well conditioned.
  const centred = samples.map((s) => regressors.map((k, i) => s[k] - (means[i] ?? 0)));
  const xtx = regressors.map((_, i) =>
    regressors.map((_, j) => centred.reduce((acc, row) => acc + (row[i] ?? 0) * (row[j] ?? 0), 0)),
  );
  const xty = regressors.map((_, i) =>
    centred.reduce((acc, row, r) => acc + (row[i] ?? 0) * ((samples[r]?.consumption ?? 0) - my), 0),
  );
  const slopes = solve(xtx, xty);
  if (slopes === null) throw invalid('HDD and CDD are collinear over the samples', { samples: n });
  const slopeOf = (k: 'hdd' | 'cdd'): number => {
    const i = regressors.indexOf(k);
    return i < 0 ? 0 : (slopes[i] ?? 0);
  };
  const heatingSlope = slopeOf('hdd');
  const coolingSlope = slopeOf('cdd');
  const base = my - regressors.reduce((acc, k, i) => acc + slopeOf(k) * (means[i] ?? 0), 0);
  let ssRes = 0;
  let ssTot = 0;
  for (const s of samples) {
    const predicted = base + heatingSlope * s.hdd + coolingSlope * s.cdd;
    ssRes += (s.consumption - predicted) ** 2;
    ssTot += (s.consumption - my) ** 2;
  }
  return { base, heatingSlope, coolingSlope, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot, samples: n };
}

/** Consumption the model expects for a period with the given degree-hours. */
export function predictConsumption(hdd: number, cdd: number, model: DegreeHourModel): number {
  return model.base + model.heatingSlope * hdd + model.coolingSlope * cdd;
}

/**
 * Weather-normalised consumption: the measured consumption with the weather-driven part re-expressed
 * for reference weather, `consumption - a·(HDD - HDD_ref) - b·(CDD - CDD_ref)`. With the default
 * reference (0, 0) it is the weather-independent part, comparable across periods of different weather;
 * with long-term normal degree-hours as reference it is the consumption "in a typical year".
 */
export function weatherNormalisedConsumption(
  consumption: number,
  hdd: number,
  cdd: number,
  model: DegreeHourModel,
  reference: { readonly hdd: number; readonly cdd: number } = { hdd: 0, cdd: 0 },
): number {
  return (
    consumption - model.heatingSlope * (hdd - reference.hdd) - model.coolingSlope * (cdd - reference.cdd)
  );
}
