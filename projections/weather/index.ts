export type { WeatherChanges, WeatherHourRow } from './weather-projection.ts';
export {
  createWeatherProjection,
  mergeWeatherChanges,
  weatherHourKey,
  weatherProjection,
} from './weather-projection.ts';
