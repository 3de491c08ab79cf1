import type { BuildingRegistered, SensorReading } from '../../schemas/index.ts';
import { DAY_MS } from '../../schemas/index.ts';
import type { ProjectionEvent } from '../projection.ts';
import { toKwh, toMicroUnits } from './energy.ts';

/** Consumption is bucketed by UTC quarter-hour: every IANA offset in use is a multiple of 15 minutes. */
export const QUARTER_MS = 900_000;

/** Topics the building summary folds. */
export type BuildingSummaryTopic = 'sensorReadings' | 'buildings';

/** Where an event sat in the log. */
export interface LogPosition {
  readonly partition: number;
  readonly offset: string;
}

/** The description of a building the summary needs; the registration furthest along the log wins. */
export interface BuildingInfoChange extends LogPosition {
  readonly buildingId: string;
  readonly timezone: string;
  readonly weatherStationId: string | null;
  readonly primaryUse: string;
  readonly eventId: string;
}

/**
 * The newest electricity reading of one meter (event time, then offset), plus the event time of the
 * newest reading before it. Keeping the two newest distinct times makes merging a join: the union of
 * two sets' two newest times has the same two newest times in any order, so the interval the latest
 * reading covers does not depend on batching, order or re-application.
 */
export interface MeterDemandChange extends LogPosition {
  readonly buildingId: string;
  readonly meterId: string;
  /** Event time (epoch ms) of the newest reading: the end of the interval it measured. */
  readonly occurredAt: number;
  /** Energy of that interval in kWh. */
  readonly kwh: number;
  /** Event time of the newest earlier reading of the meter; null while only one is known. */
  readonly previousAt: number | null;
  readonly eventId: string;
}

/**
 * One reading's share of a building's consumption, stored per reading so a re-applied reading is
 * counted once and a later log position for the same meter and time replaces the earlier value.
 */
export interface ContributionChange extends LogPosition {
  readonly buildingId: string;
  readonly meterId: string;
  readonly occurredAt: number;
  /** UTC date (YYYY-MM-DD) of the instant the reading's interval ends just before. */
  readonly utcDate: string;
  /** Totals field `<quarterStartMs>|<meterKind>|<unit>` the value counts towards. */
  readonly bucket: string;
  /** Value in micro-units of the reading's unit. */
  readonly micro: number;
}

/** Highest offset applied per building and source partition. */
export interface PositionChange extends LogPosition {
  readonly buildingId: string;
  readonly topic: BuildingSummaryTopic;
}

/**
 * What one batch decides for the building summary. Every part merges as a join (keep the later log
 * position, or the newest event time, or the maximum), which is what the Lua scripts do in Redis.
 */
export interface BuildingSummaryChanges {
  readonly buildings: Map<string, BuildingInfoChange>;
  readonly demand: Map<string, MeterDemandChange>;
  readonly contributions: Map<string, ContributionChange>;
  readonly positions: Map<string, PositionChange>;
}

/** An empty change set. */
export function emptyBuildingSummaryChanges(): BuildingSummaryChanges {
  return { buildings: new Map(), demand: new Map(), contributions: new Map(), positions: new Map() };
}

/** Offset, then partition: one key's events share a partition, the partition only keeps ties deterministic. */
export function compareLogPosition(a: LogPosition, b: LogPosition): number {
  const ao = BigInt(a.offset);
  const bo = BigInt(b.offset);
  if (ao !== bo) return ao > bo ? 1 : -1;
  return a.partition - b.partition;
}

/** UTC date (YYYY-MM-DD) of an instant. */
export function utcDateOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Epoch ms of the end of a UTC date, when the date's keys may start to expire. */
export function utcDateEnd(utcDate: string): number {
  return Date.parse(`${utcDate}T00:00:00Z`) + DAY_MS;
}

function laterDemand(a: MeterDemandChange, b: MeterDemandChange): MeterDemandChange {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt > b.occurredAt ? a : b;
  return compareLogPosition(a, b) >= 0 ? a : b;
}

/** Join of two states of one meter's demand: the later reading, and the newest distinct time before it. */
export function mergeMeterDemand(a: MeterDemandChange, b: MeterDemandChange): MeterDemandChange {
  const newer = laterDemand(a, b);
  let previousAt: number | null = null;
  for (const t of [a.occurredAt, a.previousAt, b.occurredAt, b.previousAt]) {
    if (t !== null && t < newer.occurredAt && (previousAt === null || t > previousAt)) previousAt = t;
  }
  return { ...newer, previousAt };
}

function keepLater<T extends LogPosition>(into: Map<string, T>, key: string, change: T): void {
  const seen = into.get(key);
  if (seen === undefined || compareLogPosition(change, seen) > 0) into.set(key, change);
}

/** Map key of a meter's demand entry. */
export const demandKey = (buildingId: string, meterId: string): string => `${buildingId}\u0000${meterId}`;
/** Field of a reading's contribution in its building's contributions hash. */
export const contributionField = (meterId: string, occurredAt: number): string => `${meterId}|${occurredAt}`;
const contributionKey = (c: ContributionChange): string =>
  `${c.buildingId}\u0000${c.utcDate}\u0000${contributionField(c.meterId, c.occurredAt)}`;
const positionKey = (p: PositionChange): string => `${p.buildingId}\u0000${p.topic}\u0000${p.partition}`;

function mergeDemandInto(into: Map<string, MeterDemandChange>, change: MeterDemandChange): void {
  const key = demandKey(change.buildingId, change.meterId);
  const seen = into.get(key);
  into.set(key, seen === undefined ? change : mergeMeterDemand(seen, change));
}

function mergePositionInto(into: Map<string, PositionChange>, change: PositionChange): void {
  const key = positionKey(change);
  const seen = into.get(key);
  if (seen === undefined || BigInt(change.offset) > BigInt(seen.offset)) into.set(key, change);
}

function foldReading(
  changes: BuildingSummaryChanges,
  reading: SensorReading,
  position: LogPosition,
): BuildingSummaryChanges {
  const at = reading.occurredAt.getTime();
  // The value is the consumption over the interval ending at occurredAt: the reading stamped 00:00
  // measured the last interval of the day before, so it is bucketed by the instant just before.
  const within = at - 1;
  const quarterStart = Math.floor(within / QUARTER_MS) * QUARTER_MS;
  const contribution: ContributionChange = {
    ...position,
    buildingId: reading.buildingId,
    meterId: reading.meterId,
    occurredAt: at,
    utcDate: utcDateOf(within),
    bucket: `${quarterStart}|${reading.meterKind}|${reading.unit}`,
    micro: toMicroUnits(reading.value),
  };
  keepLater(changes.contributions, contributionKey(contribution), contribution);
  const kwh = reading.meterKind === 'electricity' ? toKwh(reading.value, reading.unit) : undefined;
  if (kwh !== undefined) {
    mergeDemandInto(changes.demand, {
      ...position,
      buildingId: reading.buildingId,
      meterId: reading.meterId,
      occurredAt: at,
      kwh,
      previousAt: null,
      eventId: reading.eventId,
    });
  }
  mergePositionInto(changes.positions, {
    ...position,
    buildingId: reading.buildingId,
    topic: 'sensorReadings',
  });
  return changes;
}

function foldBuilding(
  changes: BuildingSummaryChanges,
  building: BuildingRegistered,
  position: LogPosition,
): BuildingSummaryChanges {
  // The buildings topic is compacted: after compaction only the furthest registration per building is
  // left, so the log position (not occurredAt) decides, or a rebuild would disagree with live.
  keepLater(changes.buildings, building.buildingId, {
    ...position,
    buildingId: building.buildingId,
    timezone: building.timezone,
    weatherStationId: building.weatherStationId ?? null,
    primaryUse: building.primaryUse,
    eventId: building.eventId,
  });
  mergePositionInto(changes.positions, { ...position, buildingId: building.buildingId, topic: 'buildings' });
  return changes;
}

/**
 * Folds one event into a batch's change set. Mutates `changes`, which the projector creates with
 * `initial()` for this batch only, so a batch of n events costs O(n), not O(n^2) map copies.
 */
export function evolveBuildingSummary(
  changes: BuildingSummaryChanges,
  event: ProjectionEvent<BuildingSummaryTopic>,
): BuildingSummaryChanges {
  const position = { partition: event.partition, offset: event.offset };
  return event.topic === 'sensorReadings'
    ? foldReading(changes, event.event, position)
    : foldBuilding(changes, event.event, position);
}

/**
 * What applying `next` to a store holding `stored` leaves, as a pure function: the model the Lua
 * scripts implement (without key expiry). Returns a new change set; neither input is changed.
 */
export function combineBuildingSummaryChanges(
  stored: BuildingSummaryChanges,
  next: BuildingSummaryChanges,
): BuildingSummaryChanges {
  const out: BuildingSummaryChanges = {
    buildings: new Map(stored.buildings),
    demand: new Map(stored.demand),
    contributions: new Map(stored.contributions),
    positions: new Map(stored.positions),
  };
  for (const [key, b] of next.buildings) keepLater(out.buildings, key, b);
  for (const d of next.demand.values()) mergeDemandInto(out.demand, d);
  for (const [key, c] of next.contributions) keepLater(out.contributions, key, c);
  for (const p of next.positions.values()) mergePositionInto(out.positions, p);
  return out;
}
