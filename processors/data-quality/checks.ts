/**
 * The data-quality rules as pure functions of what one meter has shown so far: no state of their own,
 * no clock. Each returns a {@link Finding} (what to flag and report) or null; the checker decides which
 * rules apply to a reading and keeps the per-meter memory they read.
 */
import type { DataQualityIssueKind, QualityFlag, ReadingUnit, Severity } from '../../schemas/index.ts';
import type { QualityRules } from './rules.ts';
import { convertUnit } from './units.ts';

/** What a rule found: the issue to report and the flag (if any) the reading gets. */
export interface Finding {
  readonly issueKind: DataQualityIssueKind;
  readonly severity: Severity;
  /** The numbers that triggered it, as strings (the issue's Avro map). */
  readonly evidence: Readonly<Record<string, string>>;
  /** Flag for the reading at fault; null when the issue is not about one reading (a gap). */
  readonly flag: QualityFlag | null;
}

const iso = (t: number): string => new Date(t).toISOString();

/** Scale of the MAD that makes it estimate the standard deviation of normally distributed values. */
export const MAD_TO_SIGMA = 1.4826;

/** Median of a non-empty list (mean of the middle two for an even count); NaN for an empty one. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Median absolute deviation from `center`. */
export function medianAbsoluteDeviation(values: readonly number[], center: number): number {
  return median(values.map((v) => Math.abs(v - center)));
}

/** The reading's value in the meter's canonical unit; a unit change or an incommensurable unit is reported. */
export interface UnitCheck {
  /** Value and unit to emit: canonical when convertible, the reading's own otherwise (kept consistent). */
  readonly value: number;
  readonly unit: ReadingUnit;
  /** False when the unit measures another quantity than the canonical unit: value rules cannot judge it. */
  readonly commensurable: boolean;
  readonly finding: Finding | null;
}

/**
 * Normalises `value` to `rules.canonicalUnit` and compares the unit with the one the meter used last.
 * A change of unit mid-stream is a `unit_mismatch` warning even when it converts exactly (a gateway
 * reconfigured to another unit often also scales wrongly); a unit of another dimension (m3 on an
 * electricity meter) cannot be converted: the reading keeps its value and unit, is flagged `suspect`
 * and the issue is an error. Both facts, when both hold, go in one issue.
 */
export function checkUnit(
  value: number,
  unit: ReadingUnit,
  previousUnit: ReadingUnit | undefined,
  rules: Pick<QualityRules, 'canonicalUnit'>,
): UnitCheck {
  const converted = convertUnit(value, unit, rules.canonicalUnit);
  const changed = previousUnit !== undefined && previousUnit !== unit;
  const evidence: Record<string, string> = { unit, canonicalUnit: rules.canonicalUnit, value: String(value) };
  if (changed) evidence.previousUnit = previousUnit;
  if (!converted.ok) {
    evidence.dimension = converted.from;
    evidence.canonicalDimension = converted.to;
    return {
      value,
      unit,
      commensurable: false,
      finding: { issueKind: 'unit_mismatch', severity: 'error', evidence, flag: 'suspect' },
    };
  }
  return {
    value: converted.value,
    unit: converted.unit,
    commensurable: true,
    finding: changed ? { issueKind: 'unit_mismatch', severity: 'warning', evidence, flag: null } : null,
  };
}

/** A value (canonical unit) outside `[min, max]`: `out_of_range`, a warning (kept, doubtful). */
export function checkRange(
  value: number,
  rules: Pick<QualityRules, 'min' | 'max' | 'canonicalUnit'>,
): Finding | null {
  if (value >= rules.min && value <= rules.max) return null;
  return {
    issueKind: 'out_of_range',
    severity: 'warning',
    evidence: {
      value: String(value),
      unit: rules.canonicalUnit,
      min: String(rules.min),
      max: String(rules.max),
    },
    flag: 'out_of_range',
  };
}

/**
 * A reading more than `maxFutureMs` ahead of the stream's time (`streamTime`, the largest trusted event
 * time of any meter; -Infinity before the first reading): `future_timestamp`, a warning.
 */
export function checkFuture(at: number, streamTime: number, maxFutureMs: number): Finding | null {
  // The first reading of a stream has nothing to be ahead of.
  if (!Number.isFinite(streamTime) || !(at - streamTime > maxFutureMs)) return null;
  return {
    issueKind: 'future_timestamp',
    severity: 'warning',
    evidence: {
      occurredAt: iso(at),
      streamTime: iso(streamTime),
      aheadMs: String(at - streamTime),
      maxFutureMs: String(maxFutureMs),
    },
    flag: 'future_timestamp',
  };
}

/**
 * A second reading of a meter at an instant already seen: `duplicate`. An exact repeat (same value) is
 * `info`, a redelivery; a different value is a `warning`, as the two cannot both be right.
 */
export function duplicateFinding(at: number, value: number, firstValue: number): Finding {
  return {
    issueKind: 'duplicate',
    severity: Object.is(value, firstValue) ? 'info' : 'warning',
    evidence: { occurredAt: iso(at), value: String(value), firstValue: String(firstValue) },
    flag: 'duplicate',
  };
}

/**
 * Consecutive readings of a meter (`previousAt` then `at`, in event time) further apart than
 * `expectedIntervalMs × gapFactor`: a `gap` (info: nothing is wrong with the readings there are), with the
 * number of readings that should have come in between. Not about one reading, so no flag.
 */
export function checkGap(
  previousAt: number,
  at: number,
  rules: Pick<QualityRules, 'expectedIntervalMs' | 'gapFactor'>,
): Finding | null {
  const gapMs = at - previousAt;
  if (!(gapMs > rules.expectedIntervalMs * rules.gapFactor)) return null;
  return {
    issueKind: 'gap',
    severity: 'info',
    evidence: {
      gapFrom: iso(previousAt),
      gapTo: iso(at),
      gapMs: String(gapMs),
      expectedIntervalMs: String(rules.expectedIntervalMs),
      missing: String(Math.max(1, Math.round(gapMs / rules.expectedIntervalMs) - 1)),
    },
    flag: null,
  };
}

/**
 * A value far above the meter's recent readings: `spike`, a warning. Judged against the median of
 * `history` (robust to earlier spikes, unlike the mean), only once the history holds at least half a
 * window, and only on a positive median: a meter idling at 0 that starts consuming is not a spike.
 * Both must hold: value > median × spikeFactor (scale-free), and value − median > spikeMadFactor ×
 * 1.4826 × MAD (the robust z-score, so a meter whose normal swings are wide is not flagged for them).
 */
export function checkSpike(
  value: number,
  history: readonly number[],
  rules: Pick<QualityRules, 'spikeWindow' | 'spikeFactor' | 'spikeMadFactor'>,
): Finding | null {
  if (!Number.isFinite(rules.spikeFactor) || history.length < Math.ceil(rules.spikeWindow / 2)) return null;
  const m = median(history);
  if (!(m > 0)) return null;
  const mad = medianAbsoluteDeviation(history, m);
  const ratioLimit = m * rules.spikeFactor;
  const madLimit = m + rules.spikeMadFactor * MAD_TO_SIGMA * mad;
  if (!(value > ratioLimit && value > madLimit)) return null;
  return {
    issueKind: 'spike',
    severity: 'warning',
    evidence: {
      value: String(value),
      median: String(m),
      mad: String(mad),
      threshold: String(Math.max(ratioLimit, madLimit)),
      spikeFactor: String(rules.spikeFactor),
      history: String(history.length),
    },
    flag: 'spike',
  };
}

/** A run of equal values of one meter, in event time. */
export interface StuckRun {
  /** Event time of the run's first reading. */
  readonly startAt: number;
  /** The run's first value: later ones are compared with it, not with their predecessor, so no drift. */
  readonly value: number;
  readonly count: number;
  /** Whether `stuck_value` was reported for this run (once per run). */
  readonly reported: boolean;
}

/** What {@link stepStuckRun} decided for one reading. */
export interface StuckStep {
  readonly run: StuckRun | null;
  /** The reading is in a run that has lasted at least `stuckMinDurationMs`: flag it `stuck`. */
  readonly stuck: boolean;
  /** The issue, the first time the run crosses the threshold; null afterwards. */
  readonly finding: Finding | null;
}

/**
 * Extends or restarts the meter's run with the next in-order reading. A run lasting
 * `stuckMinDurationMs` (BDG2 cleaning: flatlines of 24 h) is reported once, as a warning with the run's
 * extent, and every reading of it from then on is flagged. With `stuckIgnoresZero`, zeros belong to no run.
 */
export function stepStuckRun(
  run: StuckRun | null,
  at: number,
  value: number,
  rules: Pick<QualityRules, 'stuckMinDurationMs' | 'stuckEpsilon' | 'stuckIgnoresZero' | 'canonicalUnit'>,
): StuckStep {
  if (rules.stuckIgnoresZero && Math.abs(value) <= rules.stuckEpsilon) {
    return { run: null, stuck: false, finding: null };
  }
  if (run === null || !(Math.abs(value - run.value) <= rules.stuckEpsilon)) {
    return { run: { startAt: at, value, count: 1, reported: false }, stuck: false, finding: null };
  }
  const durationMs = at - run.startAt;
  const stuck = durationMs >= rules.stuckMinDurationMs;
  const next: StuckRun = { ...run, count: run.count + 1, reported: run.reported || stuck };
  const finding: Finding | null =
    stuck && !run.reported
      ? {
          issueKind: 'stuck_value',
          severity: 'warning',
          evidence: {
            value: String(run.value),
            unit: rules.canonicalUnit,
            runFrom: iso(run.startAt),
            runTo: iso(at),
            durationMs: String(durationMs),
            readings: String(next.count),
            thresholdMs: String(rules.stuckMinDurationMs),
          },
          flag: 'stuck',
        }
      : null;
  return { run: next, stuck, finding };
}
