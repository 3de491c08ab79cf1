export type { ConsumptionBucket, ConsumptionQuery } from './query-consumption.ts';
export { queryConsumption } from './query-consumption.ts';
export type { ConsumptionTotal, ConsumptionTotalsQuery } from './query-consumption-totals.ts';
export { queryConsumptionTotals } from './query-consumption-totals.ts';
export type { WeatherNormalisedConsumption, WeatherNormalisedQuery } from './query-weather-normalised.ts';
export { queryWeatherNormalised } from './query-weather-normalised.ts';
export type { RollupChange, RollupChanges } from './rollups-projection.ts';
export { evolveRollups, rollupKey, rollupsProjection } from './rollups-projection.ts';
