import { EaioError } from '../../infra/errors/index.ts';
import type { BaselineParams } from './robust-stats.ts';

/** The source of every anomaly this processor emits. */
export const ANOMALY_SOURCE = 'eaio.processors.anomalies';

/** The `method` of every anomaly this processor emits. */
export const ANOMALY_METHOD = 'median-mad-hour-of-week';

/** Defaults of {@link DetectAnomaliesOptions}; with hourly readings one slot gets one value a week. */
export const ANOMALY_DEFAULTS = {
  /** K: 8 weeks of history per hour-of-week slot. */
  samplesPerSlot: 8,
  /** 4 values, so with hourly readings a slot is silent for its first 4 weeks. */
  minSamples: 4,
  /** Robust z above which a reading is anomalous. */
  zThreshold: 4,
  /**
   * MAD floor of 4 % of the median, so the band is at least ± 4 · 1.4826 · 4 % ≈ ±24 % of it. The MAD
   * of 4–8 values often falls well below the true spread; the floor, not z, sets the false-alarm rate
   * on noisy load (see the evaluation figures in the tests).
   */
  minMadFraction: 0.04,
  /** MAD floor in the reading's unit, for slots whose median is 0. */
  minMad: 0.01,
} as const;

/** Options of {@link detectAnomalies}; every count is of readings, every time is event time. */
export interface DetectAnomaliesOptions {
  /**
   * IANA time zone of a building, e.g. 'America/New_York'. Readings carry UTC instants only, and
   * occupancy follows the building's wall clock, so slots are taken in this zone. Default: every
   * building is in 'UTC' (right only for buildings that really are, or for data already shifted).
   */
  readonly timezoneOf?: (buildingId: string) => string;
  /** K, the number of most recent values kept per meter and slot. Default 8. */
  readonly samplesPerSlot?: number;
  /** Values a slot needs before its readings are scored (warm-up). Default 4; at least 3, at most K. */
  readonly minSamples?: number;
  /** Robust z-score above which a reading is anomalous. Default 4. */
  readonly zThreshold?: number;
  /** Floor on the MAD as a fraction of |median|. Default 0.04. */
  readonly minMadFraction?: number;
  /** Floor on the MAD in the reading's unit; positive. Default 0.01. */
  readonly minMad?: number;
  /** `source` of the emitted events. Default {@link ANOMALY_SOURCE}. */
  readonly source?: string;
}

/** The options, validated, with defaults filled in. */
export interface AnomalyDetectorConfig extends BaselineParams {
  readonly timezoneOf: (buildingId: string) => string;
  readonly samplesPerSlot: number;
  readonly minSamples: number;
  readonly source: string;
}

/** Upper bound on K: two years of weekly values per slot is already more history than a baseline wants. */
const MAX_SAMPLES_PER_SLOT = 104;

function invalid(message: string, context: Record<string, unknown>): EaioError {
  return new EaioError('INVALID_ARGUMENT', 'permanent', message, { context });
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer in [${min}, ${max}], got ${value}`, { [name]: value });
  }
  return value;
}

function finiteAtLeast(name: string, value: number, min: number, strict: boolean): number {
  if (!Number.isFinite(value) || value < min || (strict && value === min)) {
    throw invalid(`${name} must be a finite number ${strict ? '>' : '>='} ${min}, got ${value}`, {
      [name]: value,
    });
  }
  return value;
}

/** Validates the options once, when the operator is created; throws an `INVALID_ARGUMENT` EaioError. */
export function resolveAnomalyOptions(options: DetectAnomaliesOptions = {}): AnomalyDetectorConfig {
  const samplesPerSlot = integerIn(
    'samplesPerSlot',
    options.samplesPerSlot ?? ANOMALY_DEFAULTS.samplesPerSlot,
    3,
    MAX_SAMPLES_PER_SLOT,
  );
  return {
    timezoneOf: options.timezoneOf ?? (() => 'UTC'),
    samplesPerSlot,
    // Below 3 values the MAD is 0 or a single gap: no spread estimate worth scoring against.
    minSamples: integerIn('minSamples', options.minSamples ?? ANOMALY_DEFAULTS.minSamples, 3, samplesPerSlot),
    zThreshold: finiteAtLeast('zThreshold', options.zThreshold ?? ANOMALY_DEFAULTS.zThreshold, 0, true),
    minMadFraction: finiteAtLeast(
      'minMadFraction',
      options.minMadFraction ?? ANOMALY_DEFAULTS.minMadFraction,
      0,
      false,
    ),
    minMad: finiteAtLeast('minMad', options.minMad ?? ANOMALY_DEFAULTS.minMad, 0, true),
    source: options.source ?? ANOMALY_SOURCE,
  };
}
