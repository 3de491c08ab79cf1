import type { RecommendationRule } from '../recommendation.ts';
import { flatlinedMeter } from './flatlined-meter.ts';
import { nightBaseLoad } from './night-base-load.ts';
import { scheduleDrift } from './schedule-drift.ts';
import { simultaneousHeatingCooling } from './simultaneous-heating-cooling.ts';
import { weekendBaseLoad } from './weekend-base-load.ts';

/** Every rule, in the order recommendations are listed when their severity ties. */
export const RULES: readonly RecommendationRule[] = [
  nightBaseLoad,
  weekendBaseLoad,
  simultaneousHeatingCooling,
  scheduleDrift,
  flatlinedMeter,
];

export { flatlinedMeter, nightBaseLoad, scheduleDrift, simultaneousHeatingCooling, weekendBaseLoad };
