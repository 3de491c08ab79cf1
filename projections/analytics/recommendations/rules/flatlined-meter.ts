import type { Level, MeterDays, Recommendation, RecommendationRule } from '../recommendation.ts';

/** Fires for a run of at least this many consecutive days on which a meter reported one value. */
export const FLATLINE_MIN_DAYS = 3;
/** A day is flat when its readings' max - min is at most this share of the value (or absolute, near 0). */
export const FLATLINE_TOLERANCE = 1e-9;
/** A flat day needs at least this many readings (one reading is no line). */
export const FLATLINE_MIN_READINGS = 2;

const flat = (a: number, b: number) =>
  Math.abs(a - b) <= FLATLINE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

interface Run {
  readonly from: Date;
  readonly to: Date;
  readonly days: number;
  readonly value: number;
}

function flatRuns(meter: MeterDays): Run[] {
  const runs: Run[] = [];
  let current: { from: Date; to: Date; days: number; value: number } | undefined;
  const close = () => {
    if (current !== undefined && current.days >= FLATLINE_MIN_DAYS) runs.push(current);
    current = undefined;
  };
  for (const d of meter.days) {
    const isFlat = d.count >= FLATLINE_MIN_READINGS && flat(d.min, d.max);
    if (!isFlat) {
      close();
      continue;
    }
    if (current !== undefined && current.to.getTime() === d.start.getTime() && flat(current.value, d.min)) {
      current.to = d.end;
      current.days++;
    } else {
      close();
      current = { from: d.start, to: d.end, days: 1, value: d.min };
    }
  }
  close();
  return runs;
}

const DAY_MS = 86_400_000;
const daysLevel = (days: number): Level => (days >= 7 ? 'high' : 'medium');

/**
 * A meter flatlined for days: consecutive daily windows whose readings all hold one value (the daily
 * rollup's min equals its max), citing the data-quality pipeline's stuck-value issues on that meter.
 * No energy saving: the action is repairing the meter, without which nothing else about it holds.
 */
export const flatlinedMeter: RecommendationRule = {
  id: 'flatlined-meter',
  title: 'Meter flatlined for days',
  thresholds: {
    minDays: { value: FLATLINE_MIN_DAYS, meaning: 'consecutive flat days needed' },
    tolerance: {
      value: FLATLINE_TOLERANCE,
      meaning: 'a day is flat when max - min is within this share of the value',
    },
    minReadings: { value: FLATLINE_MIN_READINGS, meaning: 'readings a day needs to count as flat' },
  },
  evaluate(context) {
    const found: Recommendation[] = [];
    for (const meter of context.meterDays) {
      for (const run of flatRuns(meter)) {
        // The checker reports a stuck run once, when it crosses its threshold: during the run or the day after.
        const issues = context.stuckIssues.filter(
          (i) =>
            i.meterId === meter.meterId &&
            i.occurredAt.getTime() >= run.from.getTime() &&
            i.occurredAt.getTime() < run.to.getTime() + DAY_MS,
        );
        found.push({
          ruleId: 'flatlined-meter',
          title: 'Meter flatlined for days',
          finding: `${meter.meterId} (${meter.meterKind}) reported the single value ${run.value} ${meter.unit} for ${run.days} consecutive day(s), ${run.from.toISOString()} to ${run.to.toISOString()}${issues.length > 0 ? `; the data-quality checks raised ${issues.length} stuck-value issue(s)` : ''}.`,
          action:
            'Inspect the meter and its gateway (a stuck register, a frozen value held by the gateway, a lost pulse input) and repair before trusting its data.',
          severity: daysLevel(run.days),
          confidence: 'high',
          estimatedSaving: {
            amount: null,
            unit: meter.unit,
            per: 'year',
            method:
              'none estimated: a meter repeating one value hides what the building uses; repair it first',
          },
          evidence: {
            ranges: [
              { from: run.from, to: run.to, what: `daily windows of ${meter.meterId} with min = max` },
            ],
            meterIds: [meter.meterId],
            anomalyIds: [],
            dataQualityIssueIds: issues.map((i) => i.eventId),
            figures: [
              { name: 'flatDays', value: run.days, unit: 'days' },
              { name: 'value', value: run.value, unit: meter.unit },
            ],
            peerIds: [],
          },
        });
      }
    }
    return found;
  },
};
