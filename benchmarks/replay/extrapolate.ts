/**
 * The arithmetic of the replay benchmark: how many events a history of another size holds, and how
 * long replaying it would take at a measured rate. Pure, so it is tested without services.
 */

/** A history's size: meters reading hourly for a number of days. */
export interface HistoryShape {
  readonly meters: number;
  readonly days: number;
}

/** A year of BDG2's fleet: 3,053 meters, hourly, 365 days (26,744,280 readings with none missing). */
export const BDG2_YEAR: HistoryShape = { meters: 3_053, days: 365 };

/**
 * The events a replay reads, split by what makes them grow: readings and everything derived from
 * them (rollups, anomalies, data-quality issues) grow with meters × days, station weather with days
 * only, registrations not at all.
 */
export interface HistoryEvents {
  readonly perMeterDay: number;
  readonly perDay: number;
  readonly once: number;
}

/** Total events of a split. */
export function totalEvents(events: HistoryEvents): number {
  return events.perMeterDay + events.perDay + events.once;
}

/** The events of the same fleet over another history: each part scaled by what it grows with. */
export function scaleEvents(events: HistoryEvents, from: HistoryShape, to: HistoryShape): HistoryEvents {
  if (!(from.meters > 0 && from.days > 0)) {
    throw new RangeError(`a measured history needs meters and days above 0, got ${JSON.stringify(from)}`);
  }
  return {
    perMeterDay: (events.perMeterDay * (to.meters * to.days)) / (from.meters * from.days),
    perDay: (events.perDay * to.days) / from.days,
    once: events.once,
  };
}

/** A timed replay: the events it read, its wall time, and the part of that time that does not grow with the log. */
export interface ReplayTiming {
  readonly events: number;
  readonly seconds: number;
  /** Process start, connections, generation set-up: paid once whatever the log's length. */
  readonly fixedSeconds: number;
}

/** Events per second of the part of a replay that grows with the log. */
export function streamingRate(timing: ReplayTiming): number {
  const streaming = timing.seconds - timing.fixedSeconds;
  if (!(timing.events > 0 && streaming > 0)) {
    throw new RangeError(`need events and a streaming time above 0, got ${JSON.stringify(timing)}`);
  }
  return timing.events / streaming;
}

/**
 * Seconds to replay `events` at the measured streaming rate plus the fixed cost: linear in the log,
 * which assumes the read models' write cost per event does not grow with their size.
 */
export function extrapolateSeconds(timing: ReplayTiming, events: number): number {
  return timing.fixedSeconds + events / streamingRate(timing);
}

/** How far a replay had got at a moment: seconds since it started, and the share of its work done (0–1). */
export interface ProgressSample {
  readonly seconds: number;
  readonly done: number;
}

/**
 * Splits a replay's wall time into a fixed part and a streaming part from its progress: the
 * streaming rate is read between `low` and `high` shares done (past start-up and the first batches'
 * schema lookups, before the last partitions' tail), and the fixed part is whatever the wall time
 * holds beyond `events` at that rate. Samples before the share's lowest point are ignored (a rewind
 * first shows the old, finished offsets). Undefined when the samples never cross both marks.
 */
export function timingFromProgress(
  samples: readonly ProgressSample[],
  events: number,
  seconds: number,
  { low = 0.1, high = 0.9 }: { low?: number; high?: number } = {},
): ReplayTiming | undefined {
  let lowest = 0;
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i]?.done ?? 1) < (samples[lowest]?.done ?? 1)) lowest = i;
  }
  const after = samples.slice(lowest);
  const from = after.find((s) => s.done >= low);
  const to = after.find((s) => s.done >= high);
  if (from === undefined || to === undefined || to.seconds <= from.seconds || to.done <= from.done)
    return undefined;
  const rate = (events * (to.done - from.done)) / (to.seconds - from.seconds);
  return { events, seconds, fixedSeconds: Math.max(0, seconds - events / rate) };
}
