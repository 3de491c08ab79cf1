import { hourOfSlot, isoDayOfSlot } from '../../weekly-profiles.ts';
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

/**
 * Weekend daytime: Saturday and Sunday, the same local hours as weekday occupancy, so the ratio asks
 * "does the weekend run like a working day" and does not double-count the night rule's hours.
 */
export const WEEKEND_FROM_HOUR = OCCUPIED_FROM_HOUR;
export const WEEKEND_TO_HOUR = OCCUPIED_TO_HOUR;
/** Fires when the weekend-to-occupied ratio is at least this many times the peers' median... */
export const WEEKEND_RATIO_OVER_MEDIAN = 1.5;
/** ...and ranks at or above this percentile among them. */
export const WEEKEND_MIN_PERCENTILE = 75;
const WEEKEND_HOURS_PER_YEAR = 2 * (WEEKEND_TO_HOUR - WEEKEND_FROM_HOUR) * 52;

const isWeekendDay = (slot: number): boolean =>
  isoDayOfSlot(slot) >= 6 && hourOfSlot(slot) >= WEEKEND_FROM_HOUR && hourOfSlot(slot) < WEEKEND_TO_HOUR;

/** Weekend base load well above peers: weekend daytime electricity over weekday occupied, against peers. */
export const weekendBaseLoad: RecommendationRule = {
  id: 'weekend-base-load',
  title: 'Weekend base load well above peers',
  thresholds: {
    weekendFromHour: {
      value: WEEKEND_FROM_HOUR,
      meaning: 'weekend daytime starts at this local hour (Sat, Sun)',
    },
    weekendToHour: { value: WEEKEND_TO_HOUR, meaning: 'weekend daytime ends at this local hour (exclusive)' },
    ratioOverMedian: {
      value: WEEKEND_RATIO_OVER_MEDIAN,
      meaning: "weekend/occupied ratio at least this many times the peers' median",
    },
    minPercentile: { value: WEEKEND_MIN_PERCENTILE, meaning: 'percentile among peers at least this' },
    minPeers: { value: MIN_PEERS, meaning: 'peers of the same primary use with a ratio needed' },
    minWeekendHours: { value: MIN_RATIO_HOURS, meaning: 'weekend daytime hours with data needed' },
    minOccupiedHours: {
      value: MIN_OCCUPIED_HOURS,
      meaning: `weekday ${OCCUPIED_FROM_HOUR}-${OCCUPIED_TO_HOUR} h hours with data needed`,
    },
  },
  evaluate(context) {
    const r = rankRatio(context, isWeekendDay);
    if (r === undefined || !(r.peerMedian > 0)) return [];
    const times = r.ratio / r.peerMedian;
    if (times < WEEKEND_RATIO_OVER_MEDIAN || r.percentile < WEEKEND_MIN_PERCENTILE) return [];
    const excessPerHour = r.numeratorMean - r.peerMedian * r.occupiedMean;
    const meters = electricityMeters(context);
    const area = context.building.floorAreaM2;
    return [
      {
        ruleId: 'weekend-base-load',
        title: 'Weekend base load well above peers',
        finding: `Weekend daytime (Sat-Sun ${WEEKEND_FROM_HOUR}:00-${WEEKEND_TO_HOUR}:00 local) electricity averages ${r.numeratorMean.toFixed(1)} kWh/h, ${(100 * r.ratio).toFixed(0)} % of the weekday occupied mean, against a median of ${(100 * r.peerMedian).toFixed(0)} % for ${r.peerIds.length} ${context.building.primaryUse} peers (percentile ${r.percentile.toFixed(0)}).`,
        action:
          'Check weekend schedules: HVAC and lighting set back on Saturdays and Sundays, holiday calendars in the controllers.',
        severity: overMedianSeverity(times),
        confidence: peerConfidence(r.peerIds.length),
        estimatedSaving: {
          amount: excessPerHour * WEEKEND_HOURS_PER_YEAR,
          unit: 'kWh',
          per: 'year',
          method: `(weekend daytime mean ${r.numeratorMean.toFixed(2)} kWh/h - peers' median ratio ${r.peerMedian.toFixed(3)} x occupied mean ${r.occupiedMean.toFixed(2)} kWh/h) x ${WEEKEND_HOURS_PER_YEAR} weekend daytime hours a year`,
        },
        evidence: {
          ranges: [
            {
              from: context.from,
              to: context.to,
              what: `hourly electricity of ${meters.length} meter(s), weekend local hours ${WEEKEND_FROM_HOUR}-${WEEKEND_TO_HOUR} against weekday ${OCCUPIED_FROM_HOUR}-${OCCUPIED_TO_HOUR}`,
            },
          ],
          meterIds: meters,
          anomalyIds: anomaliesIn(context, meters, isWeekendDay),
          dataQualityIssueIds: [],
          figures: [
            { name: 'weekendMean', value: r.numeratorMean, unit: 'kWh/h' },
            { name: 'occupiedMean', value: r.occupiedMean, unit: 'kWh/h' },
            { name: 'weekendToOccupiedRatio', value: r.ratio, unit: 'ratio' },
            { name: 'peersMedianRatio', value: r.peerMedian, unit: 'ratio' },
            { name: 'percentile', value: r.percentile, unit: '%' },
            { name: 'peers', value: r.peerIds.length, unit: 'buildings' },
            { name: 'weekendHours', value: r.numeratorHours, unit: 'h' },
            ...(area !== null && area > 0
              ? [{ name: 'weekendIntensity', value: r.numeratorMean / area, unit: 'kWh/m²/h' }]
              : []),
          ],
          peerIds: r.peerIds,
        },
      },
    ];
  },
};
