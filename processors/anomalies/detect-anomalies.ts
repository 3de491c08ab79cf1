/**
 * Per-meter anomaly detection on sensor readings against an hour-of-week baseline.
 *
 * **Baseline.** Each reading falls in one of 168 slots, the local hour of week (building time zone
 * from `timezoneOf`, default UTC) in which its interval started. A slot keeps the K most recent values
 * of its meter (default 8: eight weeks of hourly readings). The baseline is their median and MAD; the
 * robust scale is 1.4826 · max(MAD, minMadFraction · |median|, minMad), the expected range
 * median ± z · scale and the score |x − median| / scale. A reading is anomalous when score > z.
 *
 * **Warm-up.** A slot scores nothing until it holds minSamples values (default 4): with hourly
 * readings a new meter is silent for its first 4 weeks, and a slot skipped by the spring DST change
 * one week longer.
 *
 * **No poisoning.** Every scored reading joins its slot winsorised (clipped to the expected range),
 * not excluded: a spike moves the baseline no further than a normal reading at the edge of the range,
 * while a lasting change of level is followed after about K/2 weeks instead of being flagged forever.
 *
 * **Determinism.** Output depends on the input alone: no clock, no scheduler (nothing here waits:
 * time only moves when a reading arrives). eventId = derivedEventId('anomaly', meterId, readingAt ISO),
 * occurredAt = readingAt = the reading's occurredAt, so a replay yields identical events.
 *
 * **Memory.** 168 · K (time, value) pairs per meter and unit, allocated once.
 */
import { defer, filter, map, type OperatorFunction } from 'rxjs';
import type { AnomalyDetected, SensorReading } from '../../schemas/index.ts';
import { createAnomalyDetector } from './anomaly-detector.ts';
import type { DetectAnomaliesOptions } from './options.ts';
import { resolveAnomalyOptions } from './options.ts';

/**
 * Emits an {@link AnomalyDetected} for each reading outside the range its meter's hour-of-week
 * baseline expects (see the module documentation for the exact contract). Options are validated here,
 * at creation (an `INVALID_ARGUMENT` EaioError); each subscription folds its own state from the start,
 * so a replay or a resubscription reproduces the same output. A non-finite reading errors the output
 * with an `EVENT_INVALID` EaioError: validate readings upstream.
 */
export function detectAnomalies(
  options: DetectAnomaliesOptions = {},
): OperatorFunction<SensorReading, AnomalyDetected> {
  const config = resolveAnomalyOptions(options);
  return (source) =>
    defer(() => {
      const detector = createAnomalyDetector(config);
      return source.pipe(
        map((reading) => detector.ingest(reading)),
        filter((anomaly): anomaly is AnomalyDetected => anomaly !== null),
      );
    });
}
