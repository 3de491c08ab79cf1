import type { ReadingAggregate, SensorReading } from '../../schemas/index.ts';
import { derivedEventId } from '../../schemas/index.ts';
import { requireMeasurable } from '../readings-validation/index.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import type { WindowAggregatorConfig } from './options.ts';
import { AGGREGATE_SOURCE } from './options.ts';
import type { ReadingEntry, WindowStats } from './stats.ts';
import { addValue, DELTA_REVISION, dedupKeyOf, statsOf } from './stats.ts';
import type { WindowKey } from './window-math.ts';
import { compareWindowKeys, nextWatermark, windowIdOf, windowsOf } from './window-math.ts';

/**
 * The windowing state machine behind `aggregateWindows`, one per subscription. Each method returns
 * the aggregates to emit, in output order. Every decision depends only on the sequence of readings
 * (and, for {@link WindowAggregator.flushIdle}, on when the caller invokes it), never on the clock.
 */
export interface WindowAggregator {
  /** Takes one reading; returns late restatements, corrections or deltas it causes, then windows it closes. */
  ingest(reading: SensorReading): ReadingAggregate[];
  /** Emits changed open windows whose end the largest event time seen has passed (idle flush). */
  flushIdle(): ReadingAggregate[];
  /** End of input: emits every changed open window. */
  complete(): ReadingAggregate[];
  /** Current watermark (epoch ms; -Infinity before the first reading). */
  readonly watermark: number;
  /** Windows holding readings and closed-window summaries held now (to check memory stays bounded). */
  readonly held: { readonly windows: number; readonly summaries: number };
}

/** A window whose readings are held: open, or closed but still within allowed lateness. */
interface HeldWindow {
  readonly key: WindowKey;
  /** By {@link dedupKeyOf}: the latest reading of each (meterId, occurredAt). */
  readonly readings: Map<string, ReadingEntry>;
  /** Revision last emitted; null before the first emission. */
  lastRevision: number | null;
  /** Changed since the last emission. */
  dirty: boolean;
}

/** What is left of a window after allowed lateness: enough for a full corrected statement. */
interface ClosedSummary {
  readonly key: WindowKey;
  revision: number;
  stats: WindowStats;
}

function toAggregate(
  k: WindowKey,
  stats: WindowStats,
  revision: number,
  isCorrection: boolean,
  eventId: string,
): ReadingAggregate {
  return {
    eventId,
    // Event time, not the clock: a replay must reproduce the aggregate bit for bit.
    occurredAt: new Date(k.windowEnd),
    source: AGGREGATE_SOURCE,
    buildingId: k.buildingId,
    meterId: k.meterId,
    meterKind: k.meterKind,
    unit: k.unit,
    windowSize: k.windowSize,
    windowStart: new Date(k.windowStart),
    windowEnd: new Date(k.windowEnd),
    sum: stats.sum,
    mean: stats.mean,
    min: stats.min,
    max: stats.max,
    count: stats.count,
    revision,
    isCorrection,
    traceContext: null,
  };
}

/** Event id of a full statement: a function of the window and the revision only. */
export function aggregateEventId(k: WindowKey, revision: number): string {
  return derivedEventId('reading-aggregate', ...windowIdParts(k), revision);
}

/** What identifies a window in event ids; never reorder, ids in the log depend on it. */
function windowIdParts(k: WindowKey): (string | number)[] {
  return [k.scope, k.key, k.meterKind, k.unit, k.windowSize, new Date(k.windowStart).toISOString()];
}

/**
 * Event id of a delta: a function of the window and the late reading's own event id, so a redelivered
 * reading yields the same delta id (which idempotent consumers apply once) and a replay the same ids.
 */
export function deltaEventId(k: WindowKey, readingEventId: string): string {
  return derivedEventId('reading-aggregate-delta', ...windowIdParts(k), readingEventId);
}

function windowKeysOf(reading: SensorReading, t: number, config: WindowAggregatorConfig): WindowKey[] {
  const keys: WindowKey[] = [];
  for (const scope of config.scopes) {
    for (const w of windowsOf(t, config.windowSizes)) {
      keys.push({
        scope,
        key: scope === 'meter' ? reading.meterId : reading.buildingId,
        buildingId: reading.buildingId,
        meterId: scope === 'meter' ? reading.meterId : null,
        meterKind: reading.meterKind,
        unit: reading.unit,
        ...w,
      });
    }
  }
  return keys;
}

/** Creates the state machine for one stream of readings. */
export function createWindowAggregator(config: WindowAggregatorConfig): WindowAggregator {
  const { maxOutOfOrderMs, allowedLatenessMs, correctionHorizonMs } = config;
  const windows = new Map<string, HeldWindow>();
  const summaries = new Map<string, ClosedSummary>();
  const closeQueue = new DeadlineQueue();
  const evictQueue = new DeadlineQueue();
  const forgetQueue = new DeadlineQueue();
  let time = { maxEventTime: Number.NEGATIVE_INFINITY, watermark: Number.NEGATIVE_INFINITY };

  type Emission = { readonly key: WindowKey; readonly aggregate: ReadingAggregate };

  function emitHeld(w: HeldWindow): Emission {
    const revision = w.lastRevision === null ? 0 : w.lastRevision + 1;
    w.lastRevision = revision;
    w.dirty = false;
    return {
      key: w.key,
      aggregate: toAggregate(
        w.key,
        statsOf(w.readings.values()),
        revision,
        false,
        aggregateEventId(w.key, revision),
      ),
    };
  }

  function hold(k: WindowKey, id: string, entry: ReadingEntry): HeldWindow {
    const w: HeldWindow = {
      key: k,
      readings: new Map([[dedupKeyOf(entry), entry]]),
      lastRevision: null,
      dirty: true,
    };
    windows.set(id, w);
    evictQueue.add(k.windowEnd + allowedLatenessMs, id);
    return w;
  }

  /** Applies one reading to one of its windows; returns what that emits at once, if anything. */
  function apply(k: WindowKey, entry: ReadingEntry, readingEventId: string): Emission | undefined {
    const id = windowIdOf(k);
    const { watermark } = time;
    const held = windows.get(id);
    if (held !== undefined) {
      const dedupKey = dedupKeyOf(entry);
      // An exact redelivery changes nothing, so it emits nothing.
      if (Object.is(held.readings.get(dedupKey)?.value, entry.value)) return undefined;
      held.readings.set(dedupKey, entry);
      held.dirty = true;
      // Closed but within lateness: restate now, as nothing else would trigger it.
      return k.windowEnd <= watermark ? emitHeld(held) : undefined;
    }
    if (k.windowEnd > watermark) {
      hold(k, id, entry);
      closeQueue.add(k.windowEnd, id);
      return undefined;
    }
    if (k.windowEnd + allowedLatenessMs > watermark) {
      // Late, within lateness, for a window that had no reading yet: its first statement.
      return emitHeld(hold(k, id, entry));
    }
    const summary = summaries.get(id);
    if (summary !== undefined) {
      summary.revision += 1;
      summary.stats = addValue(summary.stats, entry.value);
      return {
        key: k,
        aggregate: toAggregate(
          k,
          summary.stats,
          summary.revision,
          true,
          aggregateEventId(k, summary.revision),
        ),
      };
    }
    const stats = statsOf([entry]);
    if (k.windowEnd + allowedLatenessMs + correctionHorizonMs > watermark) {
      // Within the horizon every emitted window has a summary, so this window was never emitted.
      summaries.set(id, { key: k, revision: 0, stats });
      forgetQueue.add(k.windowEnd + allowedLatenessMs + correctionHorizonMs, id);
      return { key: k, aggregate: toAggregate(k, stats, 0, true, aggregateEventId(k, 0)) };
    }
    return {
      key: k,
      aggregate: toAggregate(k, stats, DELTA_REVISION, true, deltaEventId(k, readingEventId)),
    };
  }

  /** Closes, evicts and forgets what the watermark has passed; returns the closed windows' statements. */
  function advance(watermark: number): Emission[] {
    const closed: Emission[] = [];
    for (const id of closeQueue.popUntil(watermark)) {
      const w = windows.get(id);
      if (w?.dirty) closed.push(emitHeld(w));
    }
    for (const id of evictQueue.popUntil(watermark)) {
      const w = windows.get(id);
      if (w === undefined) continue;
      windows.delete(id);
      // Every held window was emitted by now: closing precedes eviction and new windows start dirty.
      summaries.set(id, { key: w.key, revision: w.lastRevision ?? 0, stats: statsOf(w.readings.values()) });
      forgetQueue.add(w.key.windowEnd + allowedLatenessMs + correctionHorizonMs, id);
    }
    for (const id of forgetQueue.popUntil(watermark)) summaries.delete(id);
    return closed.sort((a, b) => compareWindowKeys(a.key, b.key));
  }

  function emitDirty(filter: (w: HeldWindow) => boolean): ReadingAggregate[] {
    return [...windows.values()]
      .filter((w) => w.dirty && filter(w))
      .sort((a, b) => compareWindowKeys(a.key, b.key))
      .map((w) => emitHeld(w).aggregate);
  }

  return {
    ingest(reading) {
      const t = requireMeasurable(reading, 'windowing');
      const entry: ReadingEntry = { occurredAt: t, meterId: reading.meterId, value: reading.value };
      const immediate: Emission[] = [];
      for (const k of windowKeysOf(reading, t, config)) {
        const emission = apply(k, entry, reading.eventId);
        if (emission !== undefined) immediate.push(emission);
      }
      immediate.sort((a, b) => compareWindowKeys(a.key, b.key));
      const before = time.watermark;
      time = nextWatermark(time, t, maxOutOfOrderMs);
      // Immediate emissions are for windows ending at or before the old watermark, closed ones after it.
      const closed = time.watermark > before ? advance(time.watermark) : [];
      return [...immediate, ...closed].map((e) => e.aggregate);
    },
    flushIdle() {
      return emitDirty((w) => w.key.windowEnd <= time.maxEventTime);
    },
    complete() {
      return emitDirty(() => true);
    },
    get watermark() {
      return time.watermark;
    },
    get held() {
      return { windows: windows.size, summaries: summaries.size };
    },
  };
}
