import { hourOfSlot } from '../../weekly-profiles.ts';
import {
  anomaliesIn,
  electricityMeters,
  MIN_OCCUPIED_HOURS,
  MIN_PEERS,
  MIN_RATIO_HOURS,
  OCCUPIED_FROM_HOUR,
  OCCUPIED_TO_HOUR,
  overMedianSeverity,
  peerConfidence,
  rankRatio,
} from '../load-ratio.ts';
import type { RecommendationRule } from '../recommendation.ts';

/** Night: local 00:00 to 05:00, every day. */
export const NIGHT_FROM_HOUR = 0;
export const NIGHT_TO_HOUR = 5;
/** Fires when the night-to-occupied ratio is at least this many times the peers' median... */
export const NIGHT_RATIO_OVER_MEDIAN = 1.5;
/** ...and ranks at or above this percentile among them. */
export const NIGHT_MIN_PERCENTILE = 75;
const NIGHT_HOURS_PER_YEAR = (NIGHT_TO_HOUR - NIGHT_FROM_HOUR) * 365;

const isNight = (slot: number): boolean =>
  hourOfSlot(slot) >= NIGHT_FROM_HOUR && hourOfSlot(slot) < NIGHT_TO_HOUR;

/**
 * Night base load well above peers: the building's mean electricity at night over its mean while
 * occupied, against the same ratio of the buildings of its primary use. The ratio, not kWh/m², so a
 * building's size and its daytime intensity do not decide it; kWh/m² is quoted beside it.
 */
export const nightBaseLoad: RecommendationRule = {
  id: 'night-base-load',
  title: 'Night base load well above peers',
  thresholds: {
    nightFromHour: { value: NIGHT_FROM_HOUR, meaning: 'night starts at this local hour' },
    nightToHour: { value: NIGHT_TO_HOUR, meaning: 'night ends at this local hour (exclusive)' },
    ratioOverMedian: {
      value: NIGHT_RATIO_OVER_MEDIAN,
      meaning: "night/occupied ratio at least this many times the peers' median",
    },
    minPercentile: { value: NIGHT_MIN_PERCENTILE, meaning: 'percentile among peers at least this' },
    minPeers: { value: MIN_PEERS, meaning: 'peers of the same primary use with a ratio needed' },
    minNightHours: { value: MIN_RATIO_HOURS, meaning: 'night hours with data needed' },
    minOccupiedHours: {
      value: MIN_OCCUPIED_HOURS,
      meaning: `weekday ${OCCUPIED_FROM_HOUR}-${OCCUPIED_TO_HOUR} h hours with data needed`,
    },
  },
  evaluate(context) {
    const r = rankRatio(context, isNight);
    if (r === undefined || !(r.peerMedian > 0)) return [];
    const times = r.ratio / r.peerMedian;
    if (times < NIGHT_RATIO_OVER_MEDIAN || r.percentile < NIGHT_MIN_PERCENTILE) return [];
    // What the night load would be at the peers' median ratio, given this building's occupied load.
    const excessPerHour = r.numeratorMean - r.peerMedian * r.occupiedMean;
    const meters = electricityMeters(context);
    const area = context.building.floorAreaM2;
    return [
      {
        ruleId: 'night-base-load',
        title: 'Night base load well above peers',
        finding: `Night (${NIGHT_FROM_HOUR}:00-${NIGHT_TO_HOUR}:00 local) electricity averages ${r.numeratorMean.toFixed(1)} kWh/h, ${(100 * r.ratio).toFixed(0)} % of the occupied-hours mean, against a median of ${(100 * r.peerMedian).toFixed(0)} % for ${r.peerIds.length} ${context.building.primaryUse} peers (percentile ${r.percentile.toFixed(0)}).`,
        action:
          'Check what runs at night: schedules of HVAC, lighting and plug loads, and equipment left on.',
        severity: overMedianSeverity(times),
        confidence: peerConfidence(r.peerIds.length),
        estimatedSaving: {
          amount: excessPerHour * NIGHT_HOURS_PER_YEAR,
          unit: 'kWh',
          per: 'year',
          method: `(night mean ${r.numeratorMean.toFixed(2)} kWh/h - peers' median ratio ${r.peerMedian.toFixed(3)} x occupied mean ${r.occupiedMean.toFixed(2)} kWh/h) x ${NIGHT_HOURS_PER_YEAR} night hours a year`,
        },
        evidence: {
          ranges: [
            {
              from: context.from,
              to: context.to,
              what: `hourly electricity of ${meters.length} meter(s), local hours ${NIGHT_FROM_HOUR}-${NIGHT_TO_HOUR} against weekday ${OCCUPIED_FROM_HOUR}-${OCCUPIED_TO_HOUR}`,
            },
          ],
          meterIds: meters,
          anomalyIds: anomaliesIn(context, meters, isNight),
          dataQualityIssueIds: [],
          figures: [
            { name: 'nightMean', value: r.numeratorMean, unit: 'kWh/h' },
            { name: 'occupiedMean', value: r.occupiedMean, unit: 'kWh/h' },
            { name: 'nightToOccupiedRatio', value: r.ratio, unit: 'ratio' },
            { name: 'peersMedianRatio', value: r.peerMedian, unit: 'ratio' },
            { name: 'percentile', value: r.percentile, unit: '%' },
            { name: 'peers', value: r.peerIds.length, unit: 'buildings' },
            { name: 'nightHours', value: r.numeratorHours, unit: 'h' },
            ...(area !== null && area > 0
              ? [{ name: 'nightIntensity', value: r.numeratorMean / area, unit: 'kWh/m²/h' }]
              : []),
          ],
          peerIds: r.peerIds,
        },
      },
    ];
  },
};
