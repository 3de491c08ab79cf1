export type { ForecastHourRow, ForecastsChanges } from './forecasts-projection.ts';
export { forecastHourRows, forecastsProjection } from './forecasts-projection.ts';
export type { HourTemperature, StoredModel } from './model-forecasting.ts';
export {
  CLIMATOLOGY_DAYS,
  forecastHoursOf,
  issueForecast,
  MODEL_FORECASTER_SOURCE,
  readForecastTemperatures,
  readLatestModel,
  readRecentConsumption,
} from './model-forecasting.ts';
export type {
  BuildingForecastView,
  ForecastHourView,
  ForecastQuery,
  MeterForecastView,
} from './query-forecast.ts';
export { queryForecast } from './query-forecast.ts';
export type { LiveAccuracyQuery, VersionAccuracy } from './query-live-accuracy.ts';
export { queryLiveAccuracy } from './query-live-accuracy.ts';
export type { WeatherForecastRow, WeatherForecastsChanges } from './weather-forecasts-projection.ts';
export { weatherForecastsProjection } from './weather-forecasts-projection.ts';
