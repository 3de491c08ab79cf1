import type { MeterKind } from '../../../../schemas/index.ts';
import { mean, quantile } from '../../statistics.ts';
import type {
  EvidenceRange,
  Level,
  MeterHours,
  Recommendation,
  RecommendationRule,
} from '../recommendation.ts';

/** Meter kinds that heat; chilled water cools. */
export const HEATING_KINDS: readonly MeterKind[] = ['steam', 'hot_water', 'gas'];
export const COOLING_KINDS: readonly MeterKind[] = ['chilled_water'];
/** A meter's base is this quantile of its hourly values over the window... */
export const BASE_QUANTILE = 0.1;
/** ...its peak this one. */
export const PEAK_QUANTILE = 0.95;
/** A meter is "running" in an hour at or above base + this share of (peak - base). */
export const ACTIVE_SHARE = 0.5;
/** A meter whose peak is under base x (1 + this) never swings: it is not judged. */
export const MIN_SWING = 0.2;
/** Fires with at least this many hours where both run... */
export const MIN_SIMULTANEOUS_HOURS = 24;
/** ...making at least this share of the hours both meters reported. */
export const MIN_SIMULTANEOUS_SHARE = 0.1;
/**
 * Outdoor temperatures (°C) in which a building should need neither heating nor cooling (ASHRAE's
 * usual 18 °C balance point, a few degrees either side): hours both ran in this band are quoted apart,
 * as the weather's own case against either running.
 */
export const MILD_FROM_C = 15;
export const MILD_TO_C = 21;
/** Ranges of simultaneous hours listed as evidence, the earliest first. */
const MAX_RANGES = 10;
const HOUR_MS = 3_600_000;
const HOURS_PER_YEAR = 8760;

interface Levels {
  readonly base: number;
  readonly peak: number;
  readonly active: number;
}

function levelsOf(meter: MeterHours): Levels | undefined {
  const values = meter.hours.map((h) => h.value);
  if (values.length < MIN_SIMULTANEOUS_HOURS) return undefined;
  const base = quantile(values, BASE_QUANTILE);
  const peak = quantile(values, PEAK_QUANTILE);
  if (!(peak > 0) || peak <= base * (1 + MIN_SWING)) return undefined;
  return { base, peak, active: base + ACTIVE_SHARE * (peak - base) };
}

/** Consecutive hour starts merged into ranges. */
function rangesOf(hours: readonly number[], what: string): EvidenceRange[] {
  const ranges: EvidenceRange[] = [];
  let start: number | undefined;
  let prev = 0;
  for (const h of hours) {
    if (start === undefined) start = h;
    else if (h !== prev + HOUR_MS) {
      ranges.push({ from: new Date(start), to: new Date(prev + HOUR_MS), what });
      start = h;
    }
    prev = h;
  }
  if (start !== undefined) ranges.push({ from: new Date(start), to: new Date(prev + HOUR_MS), what });
  return ranges;
}

const shareLevel = (share: number): Level => (share >= 0.5 ? 'high' : share >= 0.25 ? 'medium' : 'low');
const hoursLevel = (hours: number): Level => (hours >= 24 * 28 ? 'high' : hours >= 24 * 7 ? 'medium' : 'low');

/**
 * Simultaneous heating and cooling: hours in which a heating meter (steam, hot water, gas) and a
 * chilled-water meter both run well above their own base. Each meter is judged against itself, so no
 * unit conversion between them is needed; the outdoor temperature in those hours is quoted when the
 * building has a station, for the reader to judge whether either should have run.
 */
export const simultaneousHeatingCooling: RecommendationRule = {
  id: 'simultaneous-heating-cooling',
  title: 'Simultaneous heating and cooling',
  thresholds: {
    baseQuantile: { value: BASE_QUANTILE, meaning: "a meter's base: this quantile of its hourly values" },
    peakQuantile: { value: PEAK_QUANTILE, meaning: "a meter's peak: this quantile of its hourly values" },
    activeShare: {
      value: ACTIVE_SHARE,
      meaning: 'running in an hour at or above base + this share of (peak - base)',
    },
    minSwing: { value: MIN_SWING, meaning: 'meters whose peak is under base x (1 + this) are not judged' },
    minSimultaneousHours: { value: MIN_SIMULTANEOUS_HOURS, meaning: 'hours with both running needed' },
    minSimultaneousShare: {
      value: MIN_SIMULTANEOUS_SHARE,
      meaning: 'share of the common hours with both running needed',
    },
  },
  evaluate(context) {
    const heating = context.meterHours.filter((m) => HEATING_KINDS.includes(m.meterKind));
    const cooling = context.meterHours.filter((m) => COOLING_KINDS.includes(m.meterKind));
    const found: Recommendation[] = [];
    for (const heat of heating) {
      const heatLevels = levelsOf(heat);
      if (heatLevels === undefined) continue;
      for (const cool of cooling) {
        const coolLevels = levelsOf(cool);
        if (coolLevels === undefined) continue;
        const coolAt = new Map(cool.hours.map((h) => [h.start.getTime(), h.value]));
        let common = 0;
        const both: number[] = [];
        let heatExcess = 0;
        let coolExcess = 0;
        for (const h of heat.hours) {
          const c = coolAt.get(h.start.getTime());
          if (c === undefined) continue;
          common++;
          if (h.value >= heatLevels.active && c >= coolLevels.active) {
            both.push(h.start.getTime());
            heatExcess += h.value - heatLevels.base;
            coolExcess += c - coolLevels.base;
          }
        }
        const share = common === 0 ? 0 : both.length / common;
        if (both.length < MIN_SIMULTANEOUS_HOURS || share < MIN_SIMULTANEOUS_SHARE) continue;
        const temperatures = both.flatMap((t) => {
          const v = context.temperatures.get(t);
          return v === undefined ? [] : [v];
        });
        const ranges = rangesOf(both, `${heat.meterId} and ${cool.meterId} both running`);
        const bothSet = new Set(both);
        const meterIds = [heat.meterId, cool.meterId];
        const annualise = HOURS_PER_YEAR / common;
        found.push({
          ruleId: 'simultaneous-heating-cooling',
          title: 'Simultaneous heating and cooling',
          finding: `${heat.meterId} (${heat.meterKind}) and ${cool.meterId} (${cool.meterKind}) both ran well above their base in ${both.length} of ${common} hours (${(100 * share).toFixed(0)} %), in ${ranges.length} period(s)${temperatures.length > 0 ? `, at a mean outdoor ${mean(temperatures).toFixed(1)} °C` : ''}.`,
          action:
            'Check for heating and cooling fighting: reheat, overlapping set points, valves leaking or stuck open, a dead band too narrow.',
          severity: shareLevel(share),
          confidence: hoursLevel(common),
          estimatedSaving: {
            amount: heatExcess * annualise,
            unit: heat.unit,
            per: 'year',
            method: `heating above its base (${heatLevels.base.toFixed(2)} ${heat.unit}/h) in the hours both ran, ${heatExcess.toFixed(1)} ${heat.unit} over ${common} common hours, scaled to ${HOURS_PER_YEAR} hours a year`,
          },
          evidence: {
            ranges: ranges.slice(0, MAX_RANGES),
            meterIds,
            anomalyIds: context.anomalies
              .filter(
                (a) =>
                  meterIds.includes(a.meterId) &&
                  bothSet.has(Math.floor(a.readingAt.getTime() / HOUR_MS) * HOUR_MS),
              )
              .slice(0, 20)
              .map((a) => a.eventId),
            dataQualityIssueIds: [],
            figures: [
              { name: 'simultaneousHours', value: both.length, unit: 'h' },
              { name: 'commonHours', value: common, unit: 'h' },
              { name: 'simultaneousShare', value: share, unit: 'ratio' },
              { name: 'periods', value: ranges.length, unit: 'ranges' },
              { name: 'heatingBase', value: heatLevels.base, unit: `${heat.unit}/h` },
              { name: 'heatingRunningThreshold', value: heatLevels.active, unit: `${heat.unit}/h` },
              { name: 'coolingBase', value: coolLevels.base, unit: `${cool.unit}/h` },
              { name: 'coolingRunningThreshold', value: coolLevels.active, unit: `${cool.unit}/h` },
              { name: 'heatingExcess', value: heatExcess, unit: heat.unit },
              { name: 'coolingExcess', value: coolExcess, unit: cool.unit },
              ...(temperatures.length > 0
                ? [
                    { name: 'meanOutdoorTemperature', value: mean(temperatures), unit: '°C' },
                    { name: 'hoursWithTemperature', value: temperatures.length, unit: 'h' },
                    {
                      name: 'hoursInMildWeather',
                      value: temperatures.filter((c) => c >= MILD_FROM_C && c <= MILD_TO_C).length,
                      unit: 'h',
                    },
                  ]
                : []),
            ],
            peerIds: [],
          },
        });
      }
    }
    return found;
  },
};
