import { EaioError } from '../../infra/errors/index.ts';
import type { MeterKind, ReadingUnit, SensorReading } from '../../schemas/index.ts';
import { HOUR_MS, METER_KINDS, READING_UNITS } from '../../schemas/index.ts';
import { DEFAULT_CANONICAL_UNITS } from './units.ts';

/**
 * The thresholds one meter is judged by. Values (`min`, `max`, `stuckEpsilon`) are in `canonicalUnit`,
 * durations are event time in ms. `Infinity` switches a threshold off (`max`, `gapFactor`,
 * `spikeFactor`, `stuckMinDurationMs`); `-Infinity` for `min`.
 */
export interface QualityRules {
  /** Unit readings are normalised to; readings of another dimension keep their unit and are flagged. */
  readonly canonicalUnit: ReadingUnit;
  /** Smallest plausible value of one reading; below it: `out_of_range`. */
  readonly min: number;
  /** Largest plausible value of one reading (a per-meter ceiling); above it: `out_of_range`. */
  readonly max: number;
  /** Interval the meter reports at. */
  readonly expectedIntervalMs: number;
  /** A `gap` is two consecutive readings more than `expectedIntervalMs × gapFactor` apart. */
  readonly gapFactor: number;
  /** Readings of history (ring buffer) the spike median and MAD are taken over. */
  readonly spikeWindow: number;
  /** A spike exceeds the median of the history × `spikeFactor`... */
  readonly spikeFactor: number;
  /** ...and the median by more than `spikeMadFactor` × 1.4826 × MAD (robust z-score), so noisy meters are spared. */
  readonly spikeMadFactor: number;
  /** A run of equal values lasting this long (event time) is `stuck_value`. */
  readonly stuckMinDurationMs: number;
  /** Values within this of the run's first value count as equal. */
  readonly stuckEpsilon: number;
  /** When true, runs of zeros are not stuck (a meter that is legitimately off for days, e.g. irrigation). */
  readonly stuckIgnoresZero: boolean;
  /** Timestamps remembered per meter to recognise duplicates (the most recent ones, by arrival). */
  readonly duplicateWindow: number;
}

/** A partial set of rules: what an override changes. */
export type QualityRulesOverride = Partial<QualityRules>;

/** Overrides of one building: for all its meters, and per meter kind (more specific). */
export interface BuildingRulesOverride extends QualityRulesOverride {
  readonly byKind?: Readonly<Partial<Record<MeterKind, QualityRulesOverride>>>;
}

/**
 * Rule overrides, resolved field by field, most specific first:
 * `byMeter[meterId]` › `byBuilding[buildingId].byKind[meterKind]` › `byBuilding[buildingId]` ›
 * `byKind[meterKind]` › {@link DEFAULT_QUALITY_RULES}`[meterKind]`.
 */
export interface QualityRulesConfig {
  readonly byKind?: Readonly<Partial<Record<MeterKind, QualityRulesOverride>>>;
  readonly byBuilding?: Readonly<Record<string, BuildingRulesOverride>>;
  readonly byMeter?: Readonly<Record<string, QualityRulesOverride>>;
}

/** Default time a reading may be ahead of the stream before it is quarantined: 2 h of event time. */
export const DEFAULT_MAX_FUTURE_MS = 2 * HOUR_MS;

/** Default number of distinct meters that must agree before the stream's time jumps ahead (see options). */
export const DEFAULT_FUTURE_QUORUM = 2;

/** The source of every issue this processor emits. */
export const DATA_QUALITY_SOURCE = 'eaio.processors.data-quality';

/** Options of the data-quality operator; all optional. */
export interface DataQualityOptions {
  /** Per kind, building and meter overrides of {@link DEFAULT_QUALITY_RULES}. */
  readonly rules?: QualityRulesConfig;
  /** A reading more than this ahead of the stream's time is `future_timestamp`. Default {@link DEFAULT_MAX_FUTURE_MS}. */
  readonly maxFutureMs?: number;
  /**
   * Readings quarantined as future from this many distinct meters (capped at the meters seen so far)
   * move the stream's time forward: the whole feed jumped (an outage, a backfill starting), not one
   * clock. Default {@link DEFAULT_FUTURE_QUORUM}.
   */
  readonly futureQuorum?: number;
}

const BASE: Omit<QualityRules, 'canonicalUnit'> = {
  min: 0,
  max: 1e5,
  expectedIntervalMs: HOUR_MS,
  gapFactor: 1.5,
  spikeWindow: 24,
  spikeFactor: 5,
  spikeMadFactor: 5,
  stuckMinDurationMs: 24 * HOUR_MS,
  stuckEpsilon: 1e-9,
  stuckIgnoresZero: false,
  duplicateWindow: 168,
};

function defaultsOf(kind: MeterKind, more: QualityRulesOverride = {}): QualityRules {
  return Object.freeze({ ...BASE, canonicalUnit: DEFAULT_CANONICAL_UNITS[kind], ...more });
}

/**
 * The defaults per meter kind, for hourly meters (BDG2's interval).
 *
 * - Range: a reading is a quantity over its interval, so nothing below 0. The ceiling is 1e5 kWh (1e4 m3
 *   for water) per reading: one order of magnitude above the largest hourly campus meters of BDG2, where
 *   readings-validation's hard limit (which dead-letters) sits at two. Between the two a value is kept
 *   but doubtful; set a real per-meter ceiling with `byMeter`.
 * - Spikes: value > 5 × median of the last 24 readings and > median + 5 robust sigmas. Off for solar
 *   (the diurnal cycle puts half the window at 0, so every noon would be a spike) and irrigation
 *   (bursty by nature).
 * - Stuck: 24 h of the same value, as BDG2's cleaning drops flatlines longer than 24 h; irrigation may
 *   legitimately sit at zero for weeks, so its zero runs are not stuck.
 * - Gaps: more than 1.5 intervals between readings, so one missing hourly reading (a 2 h step) is seen
 *   while timestamp jitter is not.
 */
export const DEFAULT_QUALITY_RULES: Readonly<Record<MeterKind, QualityRules>> = Object.freeze({
  electricity: defaultsOf('electricity'),
  solar: defaultsOf('solar', { spikeFactor: Number.POSITIVE_INFINITY }),
  chilled_water: defaultsOf('chilled_water'),
  steam: defaultsOf('steam'),
  hot_water: defaultsOf('hot_water'),
  gas: defaultsOf('gas'),
  water: defaultsOf('water', { max: 1e4, spikeFactor: 10 }),
  irrigation: defaultsOf('irrigation', {
    max: 1e4,
    spikeFactor: Number.POSITIVE_INFINITY,
    stuckIgnoresZero: true,
  }),
});

/**
 * The base thresholds an operator sets for every meter kind (the `quality` config section): what
 * {@link DEFAULT_QUALITY_RULES} uses unless a kind, building or meter override says otherwise.
 */
export interface QualityThresholds {
  readonly maxFutureMs: number;
  readonly futureQuorum: number;
  readonly gapFactor: number;
  readonly spikeMadFactor: number;
  readonly stuckMinDurationMs: number;
}

/**
 * Options carrying `thresholds` as the base of every meter kind. The per-kind defaults do not set
 * these three fields, so applying them to each kind equals changing the base; an explicit override
 * in `rules` (per kind, building or meter) still wins over them.
 */
export function withQualityThresholds(
  thresholds: QualityThresholds,
  options: DataQualityOptions = {},
): DataQualityOptions {
  const base: QualityRulesOverride = {
    gapFactor: thresholds.gapFactor,
    spikeMadFactor: thresholds.spikeMadFactor,
    stuckMinDurationMs: thresholds.stuckMinDurationMs,
  };
  const byKind = Object.fromEntries(
    METER_KINDS.map((kind) => [kind, { ...base, ...options.rules?.byKind?.[kind] }]),
  ) as Partial<Record<MeterKind, QualityRulesOverride>>;
  return {
    ...options,
    rules: { ...options.rules, byKind },
    maxFutureMs: thresholds.maxFutureMs,
    futureQuorum: thresholds.futureQuorum,
  };
}

/** The options, validated, with defaults filled in. */
export interface DataQualityConfig {
  readonly rules: QualityRulesConfig;
  readonly maxFutureMs: number;
  readonly futureQuorum: number;
}

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

type FieldCheck = (value: unknown) => boolean;

const isNumber: FieldCheck = (v) => typeof v === 'number' && !Number.isNaN(v);
const isPositiveOrInf =
  (least: number, strict: boolean): FieldCheck =>
  (v) =>
    isNumber(v) && (strict ? (v as number) > least : (v as number) >= least);
const isIntIn =
  (lo: number, hi: number): FieldCheck =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= lo && (v as number) <= hi;

/** What each field accepts, and how to say so. */
const FIELD_CHECKS: Readonly<Record<keyof QualityRules, readonly [FieldCheck, string]>> = {
  canonicalUnit: [(v) => READING_UNITS.includes(v as ReadingUnit), `one of ${READING_UNITS.join(', ')}`],
  min: [isNumber, 'a number (or -Infinity)'],
  max: [isNumber, 'a number (or Infinity)'],
  expectedIntervalMs: [isIntIn(1, Number.MAX_SAFE_INTEGER), 'a positive integer of milliseconds'],
  gapFactor: [isPositiveOrInf(1, false), 'at least 1 (or Infinity)'],
  spikeWindow: [isIntIn(3, 10_000), 'an integer from 3 to 10000'],
  spikeFactor: [isPositiveOrInf(1, true), 'greater than 1 (or Infinity)'],
  spikeMadFactor: [(v) => isNumber(v) && Number.isFinite(v) && (v as number) >= 0, 'a finite number >= 0'],
  stuckMinDurationMs: [isPositiveOrInf(0, true), 'positive milliseconds (or Infinity)'],
  stuckEpsilon: [(v) => isNumber(v) && Number.isFinite(v) && (v as number) >= 0, 'a finite number >= 0'],
  stuckIgnoresZero: [(v) => typeof v === 'boolean', 'a boolean'],
  duplicateWindow: [isIntIn(1, 100_000), 'an integer from 1 to 100000'],
};

function checkOverride(where: string, override: QualityRulesOverride, allowByKind: boolean): void {
  for (const [field, value] of Object.entries(override)) {
    if (field === 'byKind' && allowByKind) continue;
    const check = FIELD_CHECKS[field as keyof QualityRules] as
      | (typeof FIELD_CHECKS)[keyof QualityRules]
      | undefined;
    if (check === undefined) throw invalid(`${where}: unknown rule '${field}'`, { where, field });
    if (!check[0](value)) {
      throw invalid(`${where}.${field} must be ${check[1]}, got ${String(value)}`, { where, field, value });
    }
  }
  if (override.min !== undefined && override.max !== undefined && override.min > override.max) {
    throw invalid(`${where}: min ${override.min} is above max ${override.max}`, { where });
  }
}

function checkByKind(where: string, byKind: Partial<Record<MeterKind, QualityRulesOverride>>): void {
  for (const [kind, override] of Object.entries(byKind)) {
    if (!METER_KINDS.includes(kind as MeterKind)) {
      throw invalid(`${where}: unknown meter kind '${kind}'`, { where, kind });
    }
    if (override !== undefined) checkOverride(`${where}.${kind}`, override, false);
  }
}

function nonNegativeMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a non-negative integer of milliseconds, got ${value}`, { [name]: value });
  }
  return value;
}

/**
 * Validates the options once, when the operator is created (every override field on its own, and min
 * against max within one override); throws an `INVALID_ARGUMENT` EaioError.
 */
export function resolveDataQualityOptions(options: DataQualityOptions = {}): DataQualityConfig {
  const rules = options.rules ?? {};
  checkByKind('rules.byKind', rules.byKind ?? {});
  for (const [buildingId, override] of Object.entries(rules.byBuilding ?? {})) {
    checkOverride(`rules.byBuilding.${buildingId}`, override, true);
    checkByKind(`rules.byBuilding.${buildingId}.byKind`, override.byKind ?? {});
  }
  for (const [meterId, override] of Object.entries(rules.byMeter ?? {})) {
    checkOverride(`rules.byMeter.${meterId}`, override, false);
  }
  const futureQuorum = options.futureQuorum ?? DEFAULT_FUTURE_QUORUM;
  if (!Number.isSafeInteger(futureQuorum) || futureQuorum < 1) {
    throw invalid(`futureQuorum must be a positive integer, got ${futureQuorum}`, { futureQuorum });
  }
  return {
    rules,
    maxFutureMs: nonNegativeMs('maxFutureMs', options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS),
    futureQuorum,
  };
}

/** Drops the building override's nested `byKind`, so only rule fields are spread. */
function fieldsOf(override: BuildingRulesOverride | undefined): QualityRulesOverride {
  if (override === undefined) return {};
  const { byKind: _byKind, ...fields } = override;
  return fields;
}

/** `record[key]` when it is the record's own entry: ids such as 'constructor' must not reach Object.prototype. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The rules a meter is judged by, resolved most specific first (see {@link QualityRulesConfig}). */
export function rulesFor(
  config: QualityRulesConfig,
  meter: Pick<SensorReading, 'meterId' | 'buildingId' | 'meterKind'>,
): QualityRules {
  const building = own(config.byBuilding, meter.buildingId);
  return {
    ...DEFAULT_QUALITY_RULES[meter.meterKind],
    ...own(config.byKind, meter.meterKind),
    ...fieldsOf(building),
    ...own(building?.byKind, meter.meterKind),
    ...own(config.byMeter, meter.meterId),
  };
}
