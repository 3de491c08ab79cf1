/**
 * Per-meter data quality of sensor readings, judged in event time.
 *
 * **Contract.** Every input reading comes out exactly once, as `{ kind: 'reading' }`, with the same
 * eventId, its value and unit normalised to the meter's canonical unit and `qualityFlags` set (the
 * source's own flags kept, ours added, in schema order). Nothing is dropped: a flagged reading is still
 * emitted, and deciding what to do with it is the consumer's business. Right after it come the
 * `{ kind: 'issue' }` events it raised, in schema order of `issueKind`. This is the softer sibling of
 * readings-validation, which dead-letters what is impossible; here the doubtful is marked.
 *
 * **Rules** (thresholds per meter kind, overridable per building, building and kind, and meter; see
 * `QualityRulesConfig` and `DEFAULT_QUALITY_RULES`):
 * - unit: normalised to the canonical unit; a unit change mid-stream is `unit_mismatch` (warning); a
 *   unit of another dimension keeps its value and unit, is flagged `suspect` (error), and skips the
 *   value rules;
 * - range: outside `[min, max]` → flag `out_of_range`, warning;
 * - future: more than `maxFutureMs` ahead of the stream's time (largest trusted event time of any
 *   meter) → flag `future_timestamp`, warning; quarantined: it moves no time and enters no history.
 *   Unless `futureQuorum` distinct meters (capped at the meters seen) are that far ahead together:
 *   then the feed jumped (an outage, a backfill) and the stream's time follows. Without a clock the
 *   first meter to report after a feed-wide silence longer than `maxFutureMs` cannot be told from a
 *   bad clock, so it is flagged; a one-meter stream is never flagged (nothing to judge it against);
 * - duplicate: a timestamp among the meter's last `duplicateWindow` → flag `duplicate`; info when the
 *   value repeats, warning when it differs;
 * - out of order: older than the meter's latest time → flag `out_of_order` only (no issue: a late
 *   reading is not wrong, and backfills would flood the issue topic); it is not added to the spike
 *   history or a flatline;
 * - gap: consecutive in-order readings more than `expectedIntervalMs × gapFactor` apart → `gap`
 *   (info) with both ends and the missing count; ends a flatline;
 * - spike: above median × `spikeFactor` and median + `spikeMadFactor` robust sigmas of the last
 *   `spikeWindow` values → flag `spike`, warning;
 * - stuck: equal values (within `stuckEpsilon`) for `stuckMinDurationMs` (24 h, as BDG2) → one
 *   `stuck_value` per run (warning) and flag `stuck` on every reading of the run from then on.
 *
 * **Determinism.** No clock: the output is a function of the input sequence. Issue ids are derived
 * (`derivedEventId('data-quality-issue', meterId, issueKind, …)`), issue `occurredAt` is the reading's
 * event time capped at the stream's time, so a replay gives identical events with identical ids.
 *
 * **Memory.** Per meter: a few scalars, `duplicateWindow` timestamps and `spikeWindow` values in ring
 * buffers; per stream, one pending future claim per meter at most. It grows with the number of meters
 * only.
 *
 * **End and errors.** Nothing is buffered, so completion just completes. A reading without a valid
 * time, with a non-finite value or an unknown unit or kind errors the output with an `EVENT_INVALID`
 * EaioError (validate first); an input error is passed on.
 */
import type { OperatorFunction } from 'rxjs';
import { Observable } from 'rxjs';
import type { SensorReading } from '../../schemas/index.ts';
import type { DataQualityOutput } from './quality-checker.ts';
import { createDataQualityChecker } from './quality-checker.ts';
import type { DataQualityOptions } from './rules.ts';
import { resolveDataQualityOptions } from './rules.ts';

/**
 * Checks the quality of each reading (see the module documentation for the exact contract). Options
 * are validated here, at creation; each subscription gets its own state. No timers: it needs no
 * scheduler.
 */
export function dataQuality(
  options: DataQualityOptions = {},
): OperatorFunction<SensorReading, DataQualityOutput> {
  const config = resolveDataQualityOptions(options);
  return (source) =>
    new Observable<DataQualityOutput>((subscriber) => {
      const checker = createDataQualityChecker(config);
      return source.subscribe({
        next(reading) {
          let outputs: DataQualityOutput[];
          try {
            outputs = checker.ingest(reading);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          for (const output of outputs) subscriber.next(output);
        },
        error(error: unknown) {
          subscriber.error(error);
        },
        complete() {
          subscriber.complete();
        },
      });
    });
}
