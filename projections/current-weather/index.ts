export type {
  BuildingStationChange,
  CurrentWeatherChanges,
  CurrentWeatherTopic,
  Ranked,
  StationFieldChange,
  WeatherField,
} from './current-weather-changes.ts';
export {
  combineCurrentWeatherChanges,
  emptyCurrentWeatherChanges,
  evolveCurrentWeather,
  WEATHER_FIELDS,
} from './current-weather-changes.ts';
export {
  activeCurrentWeatherKeyspace,
  CURRENT_WEATHER,
  currentWeatherProjection,
} from './current-weather-projection.ts';
export { applyCurrentWeather, weatherKeys } from './current-weather-store.ts';
export type { BuildingWeather, CurrentWeather, ObservedValue } from './read-current-weather.ts';
export { readBuildingWeather, readStationWeather } from './read-current-weather.ts';
