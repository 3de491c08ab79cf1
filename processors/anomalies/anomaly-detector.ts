import type { AnomalyDetected, SensorReading } from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';
import { requireMeasurable } from '../readings-validation/index.ts';
import { createHourOfWeek, HOURS_PER_WEEK, readingSlot } from './hour-of-week.ts';
import type { AnomalyDetectorConfig } from './options.ts';
import { ANOMALY_METHOD } from './options.ts';
import type { Baseline } from './robust-stats.ts';
import { baselineOf, robustScore, winsorise } from './robust-stats.ts';

/** The state machine behind {@link detectAnomalies}: one per subscription. */
export interface AnomalyDetector {
  /** Scores one reading against its slot's history, then adds it; the anomaly, or null. */
  ingest(reading: SensorReading): AnomalyDetected | null;
  /** Meter histories held (one per meter and unit), each at most 168 · K values. */
  readonly meters: number;
}

/**
 * History of one meter: 168 slots of K (time, value) pairs in two flat typed arrays, slot s at
 * [s·K, s·K + counts[s]), ascending by time. Fixed size from the start, so memory is bounded by
 * construction and nothing is allocated per reading.
 */
interface MeterHistory {
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly counts: Uint8Array;
}

/** Event id of the anomaly found in a reading: a replay or a redelivery derives the same id. */
export function anomalyEventId(meterId: string, readingAt: Date): string {
  return derivedEventId('anomaly', meterId, readingAt.toISOString());
}

function toAnomaly(
  reading: SensorReading,
  t: number,
  baseline: Baseline,
  score: number,
  source: string,
): AnomalyDetected {
  return {
    eventId: anomalyEventId(reading.meterId, reading.occurredAt),
    // Event time, not the clock, so a replay reproduces the event bit for bit; own Date objects, so
    // nobody downstream shares a mutable Date with the reading.
    occurredAt: new Date(t),
    source,
    buildingId: reading.buildingId,
    meterId: reading.meterId,
    meterKind: reading.meterKind,
    unit: reading.unit,
    readingAt: new Date(t),
    observedValue: reading.value,
    expectedLow: baseline.expectedLow,
    expectedHigh: baseline.expectedHigh,
    score,
    method: ANOMALY_METHOD,
    baselineSamples: baseline.samples,
    // The detection belongs to the trace that delivered the reading.
    traceContext: reading.traceContext ?? null,
  };
}

/**
 * Creates the per-meter, hour-of-week state machine. For each reading, in order:
 * 1. its slot's values older than the reading (at most K) are its baseline;
 * 2. with at least minSamples of them, the reading is scored, and is anomalous when score > z;
 * 3. it joins the slot winsorised to the expected range (raw during warm-up), and the oldest value
 *    leaves once the slot holds K.
 * A reading with the time of one already in its slot is a redelivery and changes nothing. Values of
 * one slot are a week apart, so input out of order by less than a week (less an hour, for DST) gives
 * the same anomalies as sorted input.
 */
export function createAnomalyDetector(config: AnomalyDetectorConfig): AnomalyDetector {
  const K = config.samplesPerSlot;
  const histories = new Map<string, MeterHistory>();
  const slotOf = createHourOfWeek();

  function historyOf(reading: SensorReading): MeterHistory {
    // Keyed by unit too: a meter re-registered in another unit starts over rather than mixing units.
    const key = `${reading.meterId}\u001f${reading.unit}`;
    let history = histories.get(key);
    if (history === undefined) {
      history = {
        times: new Float64Array(HOURS_PER_WEEK * K),
        values: new Float64Array(HOURS_PER_WEEK * K),
        counts: new Uint8Array(HOURS_PER_WEEK),
      };
      histories.set(key, history);
    }
    return history;
  }

  return {
    ingest(reading) {
      const t = requireMeasurable(reading, 'anomaly detection');
      const slot = readingSlot(t, config.timezoneOf(reading.buildingId), slotOf);
      const { times, values, counts } = historyOf(reading);
      const base = slot * K;
      const count = counts[slot] ?? 0;
      // Values older than the reading; K is small, so a linear scan beats a binary search.
      let older = 0;
      while (older < count && (times[base + older] ?? 0) < t) older++;
      if (older < count && times[base + older] === t) return null;

      let anomaly: AnomalyDetected | null = null;
      let stored = reading.value;
      if (older >= config.minSamples) {
        const baseline = baselineOf(values.subarray(base, base + older), config);
        const score = robustScore(reading.value, baseline);
        if (score > config.zThreshold) anomaly = toAnomaly(reading, t, baseline, score, config.source);
        stored = winsorise(reading.value, baseline);
      }

      if (count < K) {
        times.copyWithin(base + older + 1, base + older, base + count);
        values.copyWithin(base + older + 1, base + older, base + count);
        times[base + older] = t;
        values[base + older] = stored;
        counts[slot] = count + 1;
      } else if (older > 0) {
        // Full: the oldest leaves, the values older than the reading move down one.
        times.copyWithin(base, base + 1, base + older);
        values.copyWithin(base, base + 1, base + older);
        times[base + older - 1] = t;
        values[base + older - 1] = stored;
      }
      // Full and older than every value held: it would be the one to leave, so it is not kept.
      return anomaly;
    },
    get meters() {
      return histories.size;
    },
  };
}
