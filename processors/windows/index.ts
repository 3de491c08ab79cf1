export { aggregateWindows } from './aggregate-windows.ts';
export type { AggregateWindowsOptions, WindowAggregatorConfig } from './options.ts';
export { AGGREGATE_SOURCE, DEFAULT_CORRECTION_HORIZON_MS, resolveWindowOptions } from './options.ts';
export type { ReadingEntry, WindowStats } from './stats.ts';
export { addValue, DELTA_REVISION, isDeltaAggregate, mergeAggregate, statsOf } from './stats.ts';
export type { WindowAggregator } from './window-aggregator.ts';
export { aggregateEventId, createWindowAggregator, deltaEventId } from './window-aggregator.ts';
export type { AggregationScope, WindowKey } from './window-math.ts';
export {
  compareWindowKeys,
  nextWatermark,
  WINDOW_SIZE_MS,
  windowStartOf,
  windowsOf,
} from './window-math.ts';
