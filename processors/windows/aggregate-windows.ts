/**
 * Event-time tumbling-window aggregation of sensor readings.
 *
 * **Windows.** Tumbling windows `[windowStart, windowEnd)` of PT15M, PT1H and P1D aligned to UTC
 * (P1D windows start at UTC midnight; building-local day alignment is future work). A reading
 * belongs to the window containing its `occurredAt`. Meter scope aggregates per meterId; building
 * scope per (buildingId, meterKind, unit), so values of different units are never summed.
 *
 * **Watermark.** watermark = largest event time seen − `maxOutOfOrderMs`; it never moves back. A
 * window closes when the watermark reaches its end, and its first statement (revision 0,
 * `isCorrection: false`) is emitted then. Readings at most `maxOutOfOrderMs` behind the largest time
 * seen are never late, so such input gives exactly the output of sorted input.
 *
 * **Late readings** (their window is closed):
 * - while watermark < windowEnd + `allowedLatenessMs` the window's readings are still held: it is
 *   restated at once with revision + 1 and `isCorrection: false` (still provisional);
 * - after that, for `correctionHorizonMs` more (default 7 days), a summary (revision, sum, count,
 *   min, max) is held: a full statement with revision + 1 and `isCorrection: true` (the window had
 *   been final) is emitted;
 * - beyond the horizon nothing is known of the window: a **delta** is emitted with
 *   `revision: DELTA_REVISION` (-1), `isCorrection: true` and stats of the late reading alone
 *   (count 1). Consumers add it to the stored window (`mergeAggregate` is the reference).
 * No reading is ever dropped.
 *
 * **Consumer contract.** `revision >= 0`: a full statement of the window; keep the highest revision.
 * `revision === -1`: a delta; add sum and count, combine min and max, recompute the mean, keep the
 * stored revision; apply each eventId once. `isCorrection: true` means the window had been final
 * (past allowed lateness) when the reading arrived.
 *
 * **Duplicates.** Readings with the same (meterId, occurredAt) count once in a window while its
 * readings are held (until windowEnd + allowedLateness): the latest to arrive wins, and an exact
 * redelivery (same value) emits nothing. Summaries and deltas cannot see duplicates, so past
 * allowed lateness a repeated reading is added again.
 *
 * **Determinism.** Output depends on the order of the input only: stats are computed in a canonical
 * order (occurredAt, meterId), output within one step is ordered by windowEnd, window size (PT15M,
 * PT1H, P1D), then scope (meter first), key, meterKind, unit; `occurredAt` of an aggregate is its
 * windowEnd; eventIds are derived (`aggregateEventId`, `deltaEventId`). A replay of the
 * same log gives identical events.
 *
 * **Idle flush.** With `idleFlushMs` set, after that long without input (on `scheduler`), open
 * windows whose end the largest event time seen has passed are stated early. It never touches the
 * watermark, so which readings count, lateness and eviction are unchanged: the final statement of
 * every window equals the one without idle flush; only extra provisional revisions (and so eventIds)
 * can differ. Unset by default, which arms no timer: leave it unset for replays and rebuilds.
 *
 * **Memory.** A window's readings are held until watermark ≥ windowEnd + allowedLateness, its summary
 * until watermark ≥ windowEnd + allowedLateness + correctionHorizon, then both are dropped.
 *
 * **End and errors.** When the input completes (end of a replay), every open window is emitted in
 * output order, then the output completes. An input error is passed on without flushing.
 */
import type { OperatorFunction, Subscription } from 'rxjs';
import { asyncScheduler, Observable } from 'rxjs';
import type { ReadingAggregate, SensorReading } from '../../schemas/index.ts';
import type { AggregateWindowsOptions } from './options.ts';
import { resolveWindowOptions } from './options.ts';
import { createWindowAggregator } from './window-aggregator.ts';

/**
 * Aggregates readings into event-time tumbling windows (see the module documentation for the exact
 * contract). Options are validated here, at creation; each subscription gets its own state.
 */
export function aggregateWindows(
  options: AggregateWindowsOptions,
): OperatorFunction<SensorReading, ReadingAggregate> {
  const config = resolveWindowOptions(options);
  const { idleFlushMs } = options;
  const scheduler = options.scheduler ?? asyncScheduler;

  return (source) =>
    new Observable<ReadingAggregate>((subscriber) => {
      const aggregator = createWindowAggregator(config);
      let idleTimer: Subscription | undefined;

      const emit = (aggregates: readonly ReadingAggregate[]): void => {
        for (const aggregate of aggregates) subscriber.next(aggregate);
      };

      // Re-armed by every reading, so it only fires after idleFlushMs of silence.
      const armIdleTimer = (): void => {
        if (idleFlushMs === undefined) return;
        idleTimer?.unsubscribe();
        idleTimer = scheduler.schedule(() => emit(aggregator.flushIdle()), idleFlushMs);
      };

      const subscription = source.subscribe({
        next(reading) {
          let aggregates: ReadingAggregate[];
          try {
            aggregates = aggregator.ingest(reading);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          emit(aggregates);
          armIdleTimer();
        },
        error(error: unknown) {
          subscriber.error(error);
        },
        complete() {
          idleTimer?.unsubscribe();
          emit(aggregator.complete());
          subscriber.complete();
        },
      });

      return () => {
        idleTimer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
