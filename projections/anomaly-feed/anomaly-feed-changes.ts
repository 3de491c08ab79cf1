import type { AnomalyDetected } from '../../schemas/index.ts';
import type { ProjectionEvent } from '../projection.ts';

/** An anomaly as the feed shows it; JSON-safe (times as epoch ms). */
export interface FeedAnomaly {
  readonly eventId: string;
  /** Event time of the anomaly (the detector stamps the reading's time): the feed's sort key. */
  readonly occurredAt: number;
  readonly buildingId: string;
  readonly meterId: string;
  readonly meterKind: AnomalyDetected['meterKind'];
  readonly unit: AnomalyDetected['unit'];
  readonly readingAt: number;
  readonly observedValue: number;
  readonly expectedLow: number;
  readonly expectedHigh: number;
  readonly score: number;
  readonly method: string;
  readonly baselineSamples: number;
}

/**
 * What one batch adds: the newest `cap` anomalies per building and overall, each list ordered newest
 * first by (event time, event id), the order a Redis sorted set keeps (score, then member bytes).
 * Keeping the top `cap` of a union is a join, so batching, order and re-application cannot change
 * what the capped feed ends up holding.
 */
export interface AnomalyFeedChanges {
  readonly cap: number;
  readonly byBuilding: Map<string, FeedAnomaly[]>;
  readonly overall: FeedAnomaly[];
}

/** True when `a` sorts after `b` in a sorted set scored by event time with the event id as member. */
export function isNewer(a: FeedAnomaly, b: FeedAnomaly): boolean {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt > b.occurredAt;
  return a.eventId > b.eventId;
}

/** Inserts into a newest-first list kept at most `cap` long; an entry already there is left alone. */
export function insertCapped(list: FeedAnomaly[], entry: FeedAnomaly, cap: number): void {
  if (list.some((e) => e.eventId === entry.eventId)) return;
  let i = list.length;
  while (i > 0 && isNewer(entry, list[i - 1] as FeedAnomaly)) i--;
  if (i >= cap) return;
  list.splice(i, 0, entry);
  if (list.length > cap) list.length = cap;
}

/** The feed's view of an anomaly event. */
export function feedAnomalyOf(e: AnomalyDetected): FeedAnomaly {
  return {
    eventId: e.eventId,
    occurredAt: e.occurredAt.getTime(),
    buildingId: e.buildingId,
    meterId: e.meterId,
    meterKind: e.meterKind,
    unit: e.unit,
    readingAt: e.readingAt.getTime(),
    observedValue: e.observedValue,
    expectedLow: e.expectedLow,
    expectedHigh: e.expectedHigh,
    score: e.score,
    method: e.method,
    baselineSamples: e.baselineSamples,
  };
}

/** An empty change set for a feed capped at `cap`. */
export function emptyAnomalyFeedChanges(cap: number): AnomalyFeedChanges {
  return { cap, byBuilding: new Map(), overall: [] };
}

/** Folds one anomaly into the batch's change set (mutates it: it belongs to this batch only). */
export function evolveAnomalyFeed(
  changes: AnomalyFeedChanges,
  { event }: ProjectionEvent<'anomalies'>,
): AnomalyFeedChanges {
  const entry = feedAnomalyOf(event);
  let list = changes.byBuilding.get(entry.buildingId);
  if (list === undefined) {
    list = [];
    changes.byBuilding.set(entry.buildingId, list);
  }
  insertCapped(list, entry, changes.cap);
  insertCapped(changes.overall, entry, changes.cap);
  return changes;
}

/** What applying `next` to a store holding `stored` leaves, as a pure function: the model of the Lua script. */
export function combineAnomalyFeedChanges(
  stored: AnomalyFeedChanges,
  next: AnomalyFeedChanges,
): AnomalyFeedChanges {
  const out: AnomalyFeedChanges = {
    cap: stored.cap,
    byBuilding: new Map([...stored.byBuilding].map(([b, list]) => [b, [...list]])),
    overall: [...stored.overall],
  };
  for (const [building, list] of next.byBuilding) {
    const into = out.byBuilding.get(building) ?? [];
    for (const e of list) insertCapped(into, e, out.cap);
    out.byBuilding.set(building, into);
  }
  for (const e of next.overall) insertCapped(out.overall, e, out.cap);
  return out;
}
