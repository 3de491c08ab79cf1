import { Matrix, solve } from 'ml-matrix';
import { EaioError } from '../../infra/errors/index.ts';
import {
  createHourOfWeek,
  HOURS_PER_WEEK,
  MAD_TO_SIGMA,
  median,
  medianAbsoluteDeviation,
} from '../anomalies/index.ts';

/** One hour of a meter (or of a building's total) with the outdoor temperature of its station. */
export interface HourlyObservation {
  /** The hour's start, a UTC instant. */
  readonly hourStart: Date;
  /** The hour's consumption: the sum of its hourly rollup. */
  readonly consumption: number;
  /** Outdoor temperature of that hour; hours without one are left out of fits. */
  readonly temperatureC?: number | undefined;
}

export interface TowtFitOptions {
  /** The building's IANA time zone: occupancy follows local time, so the hour of week is local. */
  readonly timeZone: string;
  /** Temperature knots in °C, ascending; default {@link DEFAULT_KNOTS_C}. */
  readonly knotsC?: readonly number[];
  /**
   * Refit once without the training hours whose residual is more than this many robust standard
   * deviations (1.4826 · MAD) from the median residual, so meter faults do not pull the model; default
   * off (every usable hour counts, as measurement and verification wants). 4 is a common choice.
   */
  readonly rejectOutliersMad?: number;
}

/**
 * A time-of-week-and-temperature model (Mathieu, Price, Kiliccote and Piette, LBNL 2011, the baseline
 * model of measurement and verification practice):
 * `consumption(h, T) = hourOfWeek[localHourOfWeek(h)] + Σ_j temperatureSlopes[j] · segment_j(T)`.
 */
export interface TowtModel {
  readonly kind: 'towt';
  readonly timeZone: string;
  readonly knotsC: readonly number[];
  /** 168 values, Monday 00:00 local = 0; an hour of week the training never saw gets their mean. */
  readonly hourOfWeek: readonly number[];
  /** `knotsC.length + 1` slopes in consumption per °C; 0 for a segment the training never reached. */
  readonly temperatureSlopes: readonly number[];
  /** Hours fitted. */
  readonly samples: number;
}

/** LBNL TOWT's knots, 55, 65, 75, 85 and 90 °F, in °C (rounded to 0.1 °C). */
export const DEFAULT_KNOTS_C: readonly number[] = [12.8, 18.3, 23.9, 29.4, 32.2];

/** A week of hours: fewer cannot give every hour of week a coefficient of its own. */
export const MIN_TOWT_SAMPLES = HOURS_PER_WEEK;

const hourOfWeekOf = createHourOfWeek();

/**
 * The piecewise-linear temperature terms: segment 0 is `min(T, k0)`, segment j the part of `T` between
 * knots j-1 and j, the last the part above the highest knot, so the terms sum to `T` and the fitted
 * response is continuous at every knot.
 */
export function temperatureSegments(temperatureC: number, knotsC: readonly number[]): number[] {
  const segments = new Array<number>(knotsC.length + 1).fill(0);
  const first = knotsC[0];
  if (first === undefined) {
    segments[0] = temperatureC;
    return segments;
  }
  segments[0] = Math.min(temperatureC, first);
  for (let j = 1; j < knotsC.length; j++) {
    const low = knotsC[j - 1] as number;
    const high = knotsC[j] as number;
    segments[j] = Math.min(Math.max(temperatureC - low, 0), high - low);
  }
  segments[knotsC.length] = Math.max(temperatureC - (knotsC[knotsC.length - 1] as number), 0);
  return segments;
}

function checkKnots(knotsC: readonly number[]): void {
  for (let j = 0; j < knotsC.length; j++) {
    const knot = knotsC[j] as number;
    if (!Number.isFinite(knot) || (j > 0 && knot <= (knotsC[j - 1] as number))) {
      throw new EaioError(
        'INVALID_ARGUMENT',
        'permanent',
        `TOWT knots must be finite and ascending, got [${knotsC.join(', ')}]`,
        {
          context: { knotsC: [...knotsC] },
        },
      );
    }
  }
}

/**
 * Fits a TOWT model by least squares. A column the data never exercises (an hour of week with no
 * sample, a temperature segment never reached) is left out of the solve rather than given an
 * arbitrary value, so the system stays full rank and the fit reproducible. Throws `INVALID_ARGUMENT`
 * with fewer than {@link MIN_TOWT_SAMPLES} hours that have a finite consumption and temperature.
 */
export function fitTowt(observations: readonly HourlyObservation[], options: TowtFitOptions): TowtModel {
  const knotsC = options.knotsC ?? DEFAULT_KNOTS_C;
  checkKnots(knotsC);
  const usable = observations.filter(
    (o) => Number.isFinite(o.consumption) && o.temperatureC !== undefined && Number.isFinite(o.temperatureC),
  );
  if (usable.length < MIN_TOWT_SAMPLES) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `a TOWT fit needs at least ${MIN_TOWT_SAMPLES} hours with both consumption and a temperature, got ${usable.length}`,
      { context: { usable: usable.length, observations: observations.length } },
    );
  }
  const model = solveTowt(usable, options.timeZone, knotsC);
  const k = options.rejectOutliersMad;
  if (k === undefined) return model;
  // Meter faults (a spike of several times the load, a flatline at an old value) in the training hours
  // pull a least-squares fit towards them. One refit leaves out the hours whose residual lies more
  // than k robust standard deviations (from the MAD, itself immune to the faults it finds) from the
  // median residual of their hour of week: a spike drags its own hour-of-week term, so its neighbours
  // in that slot share one offset, which the slot's median removes, and only the spike stands out.
  // A fit with no spread in its residuals (noiseless data) is kept as it is.
  const residuals = usable.map(
    (o) => o.consumption - predictTowt(model, o.hourStart, o.temperatureC as number),
  );
  const slots = usable.map((o) => hourOfWeekOf(o.hourStart.getTime(), options.timeZone));
  const bySlot = new Map<number, number[]>();
  residuals.forEach((r, i) => {
    const slot = slots[i] as number;
    const list = bySlot.get(slot);
    if (list === undefined) bySlot.set(slot, [r]);
    else list.push(r);
  });
  const slotMedian = new Map([...bySlot].map(([slot, list]) => [slot, median(list)]));
  const deviations = residuals.map((r, i) => r - (slotMedian.get(slots[i] as number) as number));
  const bound = k * MAD_TO_SIGMA * medianAbsoluteDeviation(deviations, 0);
  // Rounding error is not spread: below a billionth of the mean load, there is nothing to judge by.
  const scale = usable.reduce((a, o) => a + Math.abs(o.consumption), 0) / usable.length;
  if (!(bound > 1e-9 * scale)) return model;
  const kept = usable.filter((_, i) => Math.abs(deviations[i] as number) <= bound);
  if (kept.length === usable.length || kept.length < MIN_TOWT_SAMPLES) return model;
  return solveTowt(kept, options.timeZone, knotsC);
}

function solveTowt(
  usable: readonly HourlyObservation[],
  timeZone: string,
  knotsC: readonly number[],
): TowtModel {
  const slots = usable.map((o) => hourOfWeekOf(o.hourStart.getTime(), timeZone));
  const segments = usable.map((o) => temperatureSegments(o.temperatureC as number, knotsC));
  const seenSlots = [...new Set(slots)].sort((a, b) => a - b);
  const slotColumn = new Map(seenSlots.map((slot, column) => [slot, column]));
  // A segment is identifiable only when it varies: segment 0 always does (unless every T is equal),
  // the others are constant 0 (never reached) or constant full width (always passed), and a constant
  // column is collinear with the hour-of-week indicators.
  const usedSegments = segments[0]
    ?.map((_, j) => j)
    .filter((j) => segments.some((s) => s[j] !== (segments[0] as number[])[j])) as number[];
  const columns = seenSlots.length + usedSegments.length;
  // Normal equations XᵀX β = Xᵀy, accumulated row by row: each row has one hour-of-week indicator and
  // a few temperature terms, so this is O(hours · terms²) rather than a dense product over thousands
  // of hours, and XᵀX is at most 174 × 174. SVD solves it and copes with what collinearity is left.
  const gram = new Matrix(columns, columns);
  const moment = new Matrix(columns, 1);
  for (let row = 0; row < usable.length; row++) {
    const s = segments[row] as number[];
    const y = (usable[row] as HourlyObservation).consumption;
    const indices = [slotColumn.get(slots[row] as number) as number];
    const values = [1];
    usedSegments.forEach((j, k) => {
      indices.push(seenSlots.length + k);
      values.push(s[j] as number);
    });
    for (let a = 0; a < indices.length; a++) {
      const ia = indices[a] as number;
      const va = values[a] as number;
      moment.set(ia, 0, moment.get(ia, 0) + va * y);
      for (let b = 0; b < indices.length; b++) {
        const ib = indices[b] as number;
        gram.set(ia, ib, gram.get(ia, ib) + va * (values[b] as number));
      }
    }
  }
  const beta = solve(gram, moment, true).getColumn(0);
  const fittedSlots = new Map(seenSlots.map((slot, column) => [slot, beta[column] as number]));
  const meanSlot = [...fittedSlots.values()].reduce((a, b) => a + b, 0) / fittedSlots.size;
  const hourOfWeek = Array.from({ length: HOURS_PER_WEEK }, (_, slot) => fittedSlots.get(slot) ?? meanSlot);
  const temperatureSlopes = new Array<number>(knotsC.length + 1).fill(0);
  usedSegments.forEach((j, k) => {
    temperatureSlopes[j] = beta[seenSlots.length + k] as number;
  });
  // A segment left out because it was constant keeps slope 0: a constant it took (a segment always
  // passed at full width) was absorbed by the hour-of-week terms, and 0 × that constant adds nothing.
  return {
    kind: 'towt',
    timeZone: timeZone,
    knotsC: [...knotsC],
    hourOfWeek,
    temperatureSlopes,
    samples: usable.length,
  };
}

/** The model's consumption for the hour starting at `hourStart` at outdoor temperature `temperatureC`. */
export function predictTowt(model: TowtModel, hourStart: Date, temperatureC: number): number {
  const slot = hourOfWeekOf(hourStart.getTime(), model.timeZone);
  const segments = temperatureSegments(temperatureC, model.knotsC);
  let value = model.hourOfWeek[slot] as number;
  for (let j = 0; j < segments.length; j++)
    value += (model.temperatureSlopes[j] as number) * (segments[j] as number);
  return value;
}

/** Names of the model's coefficients in {@link towtCoefficients} order. */
export function towtFeatureNames(model: Pick<TowtModel, 'knotsC'>): string[] {
  const hours = Array.from({ length: HOURS_PER_WEEK }, (_, slot) => `how_${slot}`);
  const knots = model.knotsC;
  const temperature = knots.map((knot, j) =>
    j === 0 ? `temp_below_${knot}` : `temp_${knots[j - 1]}_to_${knot}`,
  );
  temperature.push(knots.length === 0 ? 'temp' : `temp_above_${knots[knots.length - 1]}`);
  return [...hours, ...temperature];
}

/** The model's coefficients as one vector: the 168 hour-of-week values, then the temperature slopes. */
export function towtCoefficients(model: TowtModel): number[] {
  return [...model.hourOfWeek, ...model.temperatureSlopes];
}

/** The model back from its coefficient vector (as a `ModelTrained` event carries it). */
export function towtFromCoefficients(args: {
  readonly timeZone: string;
  readonly knotsC: readonly number[];
  readonly coefficients: readonly number[];
  readonly samples: number;
}): TowtModel {
  checkKnots(args.knotsC);
  const expected = HOURS_PER_WEEK + args.knotsC.length + 1;
  if (args.coefficients.length !== expected) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `a TOWT model with ${args.knotsC.length} knots has ${expected} coefficients, got ${args.coefficients.length}`,
      { context: { expected, got: args.coefficients.length } },
    );
  }
  return {
    kind: 'towt',
    timeZone: args.timeZone,
    knotsC: [...args.knotsC],
    hourOfWeek: args.coefficients.slice(0, HOURS_PER_WEEK),
    temperatureSlopes: args.coefficients.slice(HOURS_PER_WEEK),
    samples: args.samples,
  };
}
