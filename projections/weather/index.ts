export type { WeatherHour, WeatherHoursQuery } from './query-weather-hours.ts';
export { queryWeatherHours } from './query-weather-hours.ts';
export type { WeatherChanges, WeatherHourRow } from './weather-projection.ts';
export {
  createWeatherProjection,
  mergeWeatherChanges,
  weatherHourKey,
  weatherProjection,
} from './weather-projection.ts';
