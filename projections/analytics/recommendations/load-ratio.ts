import { zoneWallClock } from '../../../schemas/index.ts';
import { median, percentRank } from '../statistics.ts';
import { hourOfSlot, hoursOver, isoDayOfSlot, meanOver, type WeeklyProfile } from '../weekly-profiles.ts';
import type { Level, RecommendationContext } from './recommendation.ts';

/** Occupied hours, the denominator of the base-load ratios: weekdays, local 09:00 to 17:00. */
export const OCCUPIED_FROM_HOUR = 9;
export const OCCUPIED_TO_HOUR = 17;
/** A ratio is ranked only with at least this many occupied hours behind its denominator. */
export const MIN_OCCUPIED_HOURS = 40;
/** ...and at least this many hours behind its numerator. */
export const MIN_RATIO_HOURS = 20;
/** Peers (other buildings of the same primary use with a usable ratio) needed to rank against them. */
export const MIN_PEERS = 3;

export const isOccupied = (slot: number): boolean =>
  isoDayOfSlot(slot) <= 5 && hourOfSlot(slot) >= OCCUPIED_FROM_HOUR && hourOfSlot(slot) < OCCUPIED_TO_HOUR;

/** Hour-of-week slot (Monday 00:00 local = 0) of an instant in a time zone. */
export function slotOf(instant: Date, timeZone: string): number {
  const local = new Date(zoneWallClock(instant.getTime(), timeZone));
  return ((local.getUTCDay() + 6) % 7) * 24 + local.getUTCHours();
}

interface Ratio {
  readonly buildingId: string;
  readonly ratio: number;
  readonly numeratorMean: number;
  readonly occupiedMean: number;
  readonly numeratorHours: number;
}

function ratioOf(profile: WeeklyProfile, pick: (slot: number) => boolean): Ratio | undefined {
  const numeratorHours = hoursOver(profile, pick);
  if (numeratorHours < MIN_RATIO_HOURS || hoursOver(profile, isOccupied) < MIN_OCCUPIED_HOURS)
    return undefined;
  const numeratorMean = meanOver(profile, pick);
  const occupiedMean = meanOver(profile, isOccupied);
  if (!(occupiedMean > 0)) return undefined;
  return {
    buildingId: profile.buildingId,
    ratio: numeratorMean / occupiedMean,
    numeratorMean,
    occupiedMean,
    numeratorHours,
  };
}

/** A building's base-load ratio (mean kWh/h in some hours over mean kWh/h while occupied) among its peers'. */
export interface RankedRatio extends Ratio {
  readonly peerMedian: number;
  /** `percent_rank` among the peers and itself (0..100). */
  readonly percentile: number;
  /** Peers with a usable ratio, this building excluded. */
  readonly peerIds: readonly string[];
}

/** The building's ratio ranked against its peers'; undefined when it or too few peers have one. */
export function rankRatio(
  context: RecommendationContext,
  pick: (slot: number) => boolean,
): RankedRatio | undefined {
  if (context.profile === undefined) return undefined;
  const own = ratioOf(context.profile, pick);
  if (own === undefined) return undefined;
  const peers = context.peerProfiles.flatMap((p) => {
    const r = ratioOf(p, pick);
    return r === undefined ? [] : [r];
  });
  if (peers.length < MIN_PEERS) return undefined;
  const ratios = peers.map((p) => p.ratio);
  return {
    ...own,
    peerMedian: median(ratios),
    percentile: percentRank(own.ratio, [own.ratio, ...ratios]),
    peerIds: peers.map((p) => p.buildingId).sort(),
  };
}

/** Confidence from how many peers the rank rests on. */
export function peerConfidence(peers: number): Level {
  if (peers >= 10) return 'high';
  if (peers >= 5) return 'medium';
  return 'low';
}

/** Severity from how many times the peers' median the building's ratio is. */
export function overMedianSeverity(timesMedian: number): Level {
  if (timesMedian >= 3) return 'high';
  if (timesMedian >= 2) return 'medium';
  return 'low';
}

/** Anomaly ids on the given meters whose reading falls in the picked local hours (at most `max`). */
export function anomaliesIn(
  context: RecommendationContext,
  meterIds: readonly string[],
  pick: (slot: number) => boolean,
  max = 20,
): string[] {
  return context.anomalies
    .filter((a) => meterIds.includes(a.meterId) && pick(slotOf(a.readingAt, context.building.timezone)))
    .slice(0, max)
    .map((a) => a.eventId);
}

/** Electricity kWh meters of the building (the ones the profiles sum). */
export const electricityMeters = (context: RecommendationContext): string[] =>
  context.meterHours.filter((m) => m.meterKind === 'electricity' && m.unit === 'kWh').map((m) => m.meterId);
