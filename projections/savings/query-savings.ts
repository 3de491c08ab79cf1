import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';
import {
  type FitScores,
  GUIDELINE_14_HOURLY,
  type HourlyObservation,
  type HoursLeftOut,
  measureSavings,
  type SavingsUncertainty,
} from '../../processors/index.ts';
import { HOUR_MS, type MeterKind, type ReadingUnit } from '../../schemas/index.ts';
import { type AsOf, checkAsOf, checkRange, type TimeRange } from '../query-arguments.ts';

const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** The default baseline: the year before the change, or as much of it as there is data for. */
export const DEFAULT_BASELINE_DAYS = 365;
/** A baseline shorter than this (from its first to its last hour with data) is refused. */
export const DEFAULT_MIN_BASELINE_WEEKS = 4;

/** What to measure: a building's consumption of one meter kind before and after a change. */
export interface SavingsQuery extends AsOf {
  readonly buildingId: string;
  /** When the change (retrofit, new schedule) took effect: the baseline ends and reporting starts here. */
  readonly changeDate: Date;
  /** Default electricity. */
  readonly meterKind?: MeterKind;
  /** Default kWh. */
  readonly unit?: ReadingUnit;
  /** Default the {@link DEFAULT_BASELINE_DAYS} before the change date; must end by it. */
  readonly baseline?: TimeRange;
  /** Default from the change date to asOf (or now); must start at or after it. */
  readonly reporting?: TimeRange;
  /** A stretch left out of both periods (the installation, a shutdown). */
  readonly blackout?: TimeRange;
  /** Two-sided confidence level of the uncertainty, in (0, 1); default 0.9. */
  readonly confidence?: number;
  /** Default {@link DEFAULT_MIN_BASELINE_WEEKS}. */
  readonly minBaselineWeeks?: number;
  /** The present, for the default reporting end and refusing a change date still to come; default the clock. */
  readonly now?: Date;
}

/** A period as used: its bounds, the hours compared, and the hours left out and why. */
export interface SavingsPeriod {
  readonly from: Date;
  readonly to: Date;
  readonly hours: number;
  readonly leftOut: HoursLeftOut;
}

/** Avoided energy since a change, against a TOWT baseline that met Guideline 14, with its uncertainty. */
export interface SavingsEstimate {
  readonly buildingId: string;
  readonly stationId: string;
  readonly timeZone: string;
  readonly meterKind: MeterKind;
  readonly unit: ReadingUnit;
  readonly changeDate: Date;
  /** The baseline period from its first hour with consumption to its end. */
  readonly baseline: SavingsPeriod;
  /** The reporting period from the change (or its asked start) to its last hour with consumption. */
  readonly reporting: SavingsPeriod;
  readonly blackout?: TimeRange;
  /** Σ of the baseline projected over the reporting hours at their actual temperatures. */
  readonly adjustedBaseline: number;
  readonly actual: number;
  /** adjustedBaseline − actual: positive when less was used than the baseline predicts. */
  readonly avoided: number;
  readonly savingsFraction: number;
  readonly uncertainty: SavingsUncertainty;
  /** In-sample scores of the baseline fit (G14 definitions, p in the denominators), which met the limits. */
  readonly baselineFit: FitScores & {
    readonly parameters: number;
    readonly limits: typeof GUIDELINE_14_HOURLY;
  };
  readonly model: {
    readonly kind: 'towt';
    /** SHA-256 of the fitted model's canonical JSON: the same data gives the same hash. */
    readonly contentHash: string;
    readonly coefficients: number;
    readonly knotsC: readonly number[];
  };
  /** End of the last reporting hour with consumption. */
  readonly dataUntil: Date;
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

const iso = (d: Date) => d.toISOString();
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;
const ceilHour = (ms: number) => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/** The periods asked for, checked, with the defaults filled in. */
function periodsOf(query: SavingsQuery, now: Date): { baseline: TimeRange; reporting: TimeRange } {
  const change = query.changeDate;
  if (!Number.isFinite(change.getTime())) throw invalid('changeDate must be a valid timestamp', {});
  const present = query.asOf ?? now;
  if (change.getTime() >= present.getTime())
    throw invalid(
      `the change date ${iso(change)} is not in the past (${query.asOf ? 'asOf' : 'now'} is ${iso(present)}): there is no reporting period to measure savings over yet`,
      { changeDate: iso(change), present: iso(present) },
    );
  const baseline = query.baseline ?? {
    from: new Date(change.getTime() - DEFAULT_BASELINE_DAYS * DAY_MS),
    to: change,
  };
  const reporting = query.reporting ?? { from: change, to: present };
  checkRange(baseline);
  checkRange(reporting);
  if (baseline.to.getTime() > change.getTime())
    throw invalid(
      `the baseline must end by the change date ${iso(change)}, but it ends at ${iso(baseline.to)}`,
      { baselineTo: iso(baseline.to), changeDate: iso(change) },
    );
  if (reporting.from.getTime() < change.getTime())
    throw invalid(
      `the reporting period must start at or after the change date ${iso(change)}, but it starts at ${iso(reporting.from)}`,
      { reportingFrom: iso(reporting.from), changeDate: iso(change) },
    );
  if (query.blackout !== undefined) checkRange(query.blackout);
  return { baseline, reporting };
}

interface HourRow {
  readonly hour: Date;
  readonly consumption: number;
  readonly temperature_c: number | null;
}

/**
 * The hours of `[from, to)` between the first and the last hour with consumption (the data's own
 * span), leaving out the blackout: every hour is there, with NaN consumption where none was
 * recorded, so the hours left out are counted, not silently skipped.
 */
function hoursOf(
  rows: readonly HourRow[],
  range: TimeRange,
  blackout: TimeRange | undefined,
): { hours: HourlyObservation[]; from: number; to: number } | undefined {
  const inRange = rows.filter(
    (r) => r.hour.getTime() >= range.from.getTime() && r.hour.getTime() < range.to.getTime(),
  );
  const first = inRange[0];
  const last = inRange[inRange.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const byHour = new Map(inRange.map((r) => [r.hour.getTime(), r]));
  const hours: HourlyObservation[] = [];
  const inBlackout = (t: number) =>
    blackout !== undefined && t + HOUR_MS > blackout.from.getTime() && t < blackout.to.getTime();
  for (let t = first.hour.getTime(); t <= last.hour.getTime(); t += HOUR_MS) {
    if (inBlackout(t)) continue;
    const row = byHour.get(t);
    hours.push({
      hourStart: new Date(t),
      consumption: row === undefined ? Number.NaN : row.consumption,
      temperatureC: row?.temperature_c ?? undefined,
    });
  }
  return { hours, from: first.hour.getTime(), to: last.hour.getTime() + HOUR_MS };
}

/**
 * Measurement and verification of a change at a building (ASHRAE Guideline 14, IPMVP Option C):
 * the building's hourly total of one meter kind (the meters' hourly rollups summed, as
 * `queryWeatherNormalised` reads them) joined to its station's hourly temperature; a TOWT baseline
 * fitted on the baseline period and refused (`BaselineNotQualifiedError`, figures in its message)
 * when outside Guideline 14's hourly limits; projected over the reporting hours; the avoided energy
 * with its fractional savings uncertainty. Undefined for an unknown building; `INVALID_ARGUMENT`
 * with a sentence to act on for a change date not yet past, a building without a station, or a
 * baseline too short.
 */
export async function querySavings(
  db: pg.Pool | pg.ClientBase,
  query: SavingsQuery,
): Promise<SavingsEstimate | undefined> {
  checkAsOf(query);
  const now = query.now ?? new Date();
  const { baseline, reporting } = periodsOf(query, now);
  const minWeeks = query.minBaselineWeeks ?? DEFAULT_MIN_BASELINE_WEEKS;
  if (!(Number.isInteger(minWeeks) && minWeeks >= 1))
    throw invalid(`minBaselineWeeks must be a whole number of weeks, at least 1, got ${minWeeks}`, {
      minBaselineWeeks: minWeeks,
    });
  if (query.confidence !== undefined && !(query.confidence > 0 && query.confidence < 1))
    throw invalid(`the confidence level must be between 0 and 1 (0.9 is 90 %), got ${query.confidence}`, {
      confidence: query.confidence,
    });
  const meterKind = query.meterKind ?? 'electricity';
  const unit = query.unit ?? 'kWh';
  const building = await db.query<{ weather_station_id: string | null; timezone: string }>(
    'SELECT weather_station_id, timezone FROM buildings WHERE building_id = $1',
    [query.buildingId],
  );
  const row = building.rows[0];
  if (row === undefined) return undefined;
  const stationId = row.weather_station_id;
  if (stationId === null)
    throw invalid(
      `building ${query.buildingId} has no weather station: a savings baseline needs its outdoor temperatures`,
      { buildingId: query.buildingId },
    );
  const from = new Date(floorHour(Math.min(baseline.from.getTime(), reporting.from.getTime())));
  const to = new Date(ceilHour(Math.max(baseline.to.getTime(), reporting.to.getTime())));
  const { rows } = await db.query<HourRow>(
    `WITH consumption AS (
       SELECT window_start, sum(sum) AS consumption FROM rollups_1h
        WHERE building_id = $1 AND meter_id <> '' AND meter_kind = $2 AND unit = $3
          AND window_start >= $4 AND window_start < $5
          AND ($7::timestamptz IS NULL OR window_end <= $7)
        GROUP BY window_start
     )
     SELECT c.window_start AS hour, c.consumption, w.temperature_c
       FROM consumption c
       LEFT JOIN weather_hourly w ON w.station_id = $6 AND w.hour_start = c.window_start
            AND ($7::timestamptz IS NULL OR w.hour_start < $7)
      ORDER BY 1`,
    [query.buildingId, meterKind, unit, from, to, stationId, query.asOf ?? null],
  );
  const before = hoursOf(rows, baseline, query.blackout);
  const spanWeeks = before === undefined ? 0 : (before.to - before.from) / WEEK_MS;
  if (before === undefined || spanWeeks < minWeeks)
    throw invalid(
      `the baseline of ${query.buildingId} has ${before === undefined ? 'no' : `only ${spanWeeks.toFixed(1)} weeks of`} ${meterKind} data in ${unit} between ${iso(baseline.from)} and ${iso(baseline.to)}; at least ${minWeeks} weeks are needed: move the change date later, widen the baseline, or ask for another meter kind`,
      { buildingId: query.buildingId, weeks: spanWeeks, minWeeks },
    );
  const after = hoursOf(rows, reporting, query.blackout);
  if (after === undefined)
    throw invalid(
      `${query.buildingId} has no ${meterKind} data in ${unit} between ${iso(reporting.from)} and ${iso(reporting.to)}: nothing to compare the baseline with yet`,
      { buildingId: query.buildingId },
    );
  const m = measureSavings({
    baseline: before.hours,
    reporting: after.hours,
    timeZone: row.timezone,
    ...(query.confidence === undefined ? {} : { confidence: query.confidence }),
  });
  return {
    buildingId: query.buildingId,
    stationId,
    timeZone: row.timezone,
    meterKind,
    unit,
    changeDate: query.changeDate,
    baseline: {
      from: new Date(before.from),
      to: new Date(before.to),
      hours: m.baselineHours,
      leftOut: m.leftOut.baseline,
    },
    reporting: {
      from: new Date(after.from),
      to: new Date(after.to),
      hours: m.reportingHours,
      leftOut: m.leftOut.reporting,
    },
    ...(query.blackout === undefined ? {} : { blackout: query.blackout }),
    adjustedBaseline: m.adjustedBaseline,
    actual: m.actual,
    avoided: m.avoided,
    savingsFraction: m.savingsFraction,
    uncertainty: m.uncertainty,
    baselineFit: { ...m.baselineScores, parameters: m.parameters, limits: GUIDELINE_14_HOURLY },
    model: { kind: 'towt', contentHash: m.modelHash, coefficients: m.coefficients, knotsC: m.model.knotsC },
    dataUntil: new Date(after.to),
  };
}
