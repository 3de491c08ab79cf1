import { zoneWallClock } from '../../../../schemas/index.ts';
import { mean, slope } from '../../statistics.ts';
import { electricityMeters } from '../load-ratio.ts';
import type { Level, RecommendationRule } from '../recommendation.ts';

/** A day's schedule: the first and last local hour at or above base + this share of (peak - base). */
export const SCHEDULE_LEVEL_SHARE = 0.5;
/** A weekday whose peak is under base x (1 + this) has no schedule to read. */
export const MIN_DAY_SWING = 0.2;
/** Weekdays with a full, swinging day needed to fit a trend... */
export const MIN_SCHEDULE_DAYS = 15;
/** ...spread over at least this many weeks. */
export const MIN_SCHEDULE_WEEKS = 4;
/** Fires when the fitted start-up or shut-down hour moves at least this many hours over the window. */
export const MIN_DRIFT_HOURS = 2;
const WEEKDAYS_PER_YEAR = 260;
const DAY_MS = 86_400_000;

interface DaySchedule {
  readonly day: number;
  readonly start: number;
  readonly stop: number;
  readonly swing: number;
}

/** Weekday schedules from the building's hourly electricity, in local time. */
function schedules(context: Parameters<RecommendationRule['evaluate']>[0]): DaySchedule[] {
  const totals = new Map<number, number>();
  for (const m of context.meterHours) {
    if (m.meterKind !== 'electricity' || m.unit !== 'kWh') continue;
    for (const h of m.hours) totals.set(h.start.getTime(), (totals.get(h.start.getTime()) ?? 0) + h.value);
  }
  const days = new Map<number, (number | undefined)[]>();
  for (const [t, v] of totals) {
    const local = zoneWallClock(t, context.building.timezone);
    const day = Math.floor(local / DAY_MS);
    const hours = days.get(day) ?? new Array<number | undefined>(24).fill(undefined);
    hours[new Date(local).getUTCHours()] = v;
    days.set(day, hours);
  }
  const result: DaySchedule[] = [];
  for (const [day, hours] of days) {
    const isoDay = ((new Date(day * DAY_MS).getUTCDay() + 6) % 7) + 1;
    if (isoDay > 5 || hours.some((h) => h === undefined)) continue;
    const values = hours as number[];
    const base = Math.min(...values);
    const peak = Math.max(...values);
    if (!(peak > 0) || peak <= base * (1 + MIN_DAY_SWING)) continue;
    const level = base + SCHEDULE_LEVEL_SHARE * (peak - base);
    const start = values.findIndex((v) => v >= level);
    const stop = 24 - [...values].reverse().findIndex((v) => v >= level);
    result.push({ day, start, stop, swing: peak - base });
  }
  return result.sort((a, b) => a.day - b.day);
}

const extensionLevel = (hours: number): Level => (hours >= 4 ? 'high' : hours >= 2 ? 'medium' : 'low');
const daysLevel = (days: number): Level =>
  days >= 40 ? 'high' : days >= MIN_SCHEDULE_DAYS * 2 ? 'medium' : 'low';

/**
 * Schedule drift: the local hour the weekday load rises (start-up) or falls (shut-down) moving over
 * the weeks, fitted by least squares over the weekdays. Earlier start-ups and later shut-downs are
 * the costly direction and carry the saving; a drift the other way is reported with none.
 */
export const scheduleDrift: RecommendationRule = {
  id: 'schedule-drift',
  title: 'Operating schedule drifting',
  thresholds: {
    levelShare: {
      value: SCHEDULE_LEVEL_SHARE,
      meaning: 'start-up/shut-down: first/last local hour at or above base + this share of (peak - base)',
    },
    minDaySwing: {
      value: MIN_DAY_SWING,
      meaning: 'weekdays whose peak is under base x (1 + this) are left out',
    },
    minDays: { value: MIN_SCHEDULE_DAYS, meaning: 'complete weekdays needed' },
    minWeeks: { value: MIN_SCHEDULE_WEEKS, meaning: 'weeks the weekdays must span' },
    minDriftHours: {
      value: MIN_DRIFT_HOURS,
      meaning: 'fitted move of start-up or shut-down over the window, in hours',
    },
  },
  evaluate(context) {
    const days = schedules(context);
    if (days.length < MIN_SCHEDULE_DAYS) return [];
    const first = days[0]?.day ?? 0;
    const last = days[days.length - 1]?.day ?? 0;
    const weeks = (last - first) / 7;
    if (weeks < MIN_SCHEDULE_WEEKS) return [];
    const x = days.map((d) => (d.day - first) / 7);
    const startSlope = slope(
      x,
      days.map((d) => d.start),
    );
    const stopSlope = slope(
      x,
      days.map((d) => d.stop),
    );
    const startShift = (Number.isFinite(startSlope) ? startSlope : 0) * weeks;
    const stopShift = (Number.isFinite(stopSlope) ? stopSlope : 0) * weeks;
    if (Math.abs(startShift) < MIN_DRIFT_HOURS && Math.abs(stopShift) < MIN_DRIFT_HOURS) return [];
    const startMean = mean(days.map((d) => d.start));
    const stopMean = mean(days.map((d) => d.stop));
    const meanX = mean(x);
    const fittedStart = (w: number) => startMean + startSlope * (w - meanX);
    const fittedStop = (w: number) => stopMean + stopSlope * (w - meanX);
    // Hours a day longer than at the window's start: earlier start-up, later shut-down.
    const extension = Math.max(0, -startShift) + Math.max(0, stopShift);
    const swing = mean(days.map((d) => d.swing));
    const meters = electricityMeters(context);
    const dayStart = (d: number) => new Date(d * DAY_MS);
    return [
      {
        ruleId: 'schedule-drift',
        title: 'Operating schedule drifting',
        finding: `Over ${weeks.toFixed(1)} weeks of ${days.length} weekdays, the fitted start-up hour moved from ${fittedStart(0).toFixed(1)} to ${fittedStart(weeks).toFixed(1)} h and the shut-down hour from ${fittedStop(0).toFixed(1)} to ${fittedStop(weeks).toFixed(1)} h local (${extension.toFixed(1)} h a day longer).`,
        action:
          'Compare the HVAC and lighting schedules with the occupancy they serve: optimum-start settings, overrides left in place, clocks after a daylight-saving change.',
        severity: extensionLevel(extension),
        confidence: daysLevel(days.length),
        estimatedSaving: {
          amount: extension * swing * WEEKDAYS_PER_YEAR,
          unit: 'kWh',
          per: 'year',
          method: `${extension.toFixed(2)} h a day of added operation x mean weekday swing (peak - base) ${swing.toFixed(2)} kWh/h x ${WEEKDAYS_PER_YEAR} weekdays a year`,
        },
        evidence: {
          ranges: [
            {
              from: context.from,
              to: context.to,
              what: `hourly electricity of ${meters.length} meter(s); weekdays read ${dayStart(first).toISOString().slice(0, 10)} to ${dayStart(last).toISOString().slice(0, 10)} (local dates)`,
            },
          ],
          meterIds: meters,
          anomalyIds: [],
          dataQualityIssueIds: [],
          figures: [
            { name: 'weekdays', value: days.length, unit: 'days' },
            { name: 'weeks', value: weeks, unit: 'weeks' },
            { name: 'startHourFirst', value: fittedStart(0), unit: 'h local' },
            { name: 'startHourLast', value: fittedStart(weeks), unit: 'h local' },
            { name: 'startSlope', value: Number.isFinite(startSlope) ? startSlope : 0, unit: 'h/week' },
            { name: 'stopHourFirst', value: fittedStop(0), unit: 'h local' },
            { name: 'stopHourLast', value: fittedStop(weeks), unit: 'h local' },
            { name: 'stopSlope', value: Number.isFinite(stopSlope) ? stopSlope : 0, unit: 'h/week' },
            { name: 'dailyExtension', value: extension, unit: 'h/day' },
            { name: 'meanSwing', value: swing, unit: 'kWh/h' },
          ],
          peerIds: [],
        },
      },
    ];
  },
};
