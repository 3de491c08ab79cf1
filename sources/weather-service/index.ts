export type { ConditionalResponse } from './conditional-get.ts';
export { conditionalGetJson, retryAfterMs, WEATHER_DEPENDENCY } from './conditional-get.ts';
export type { OpenMeteoOptions } from './open-meteo.ts';
export {
  createOpenMeteoService,
  OPEN_METEO_ARCHIVE_URL,
  OPEN_METEO_FORECAST_URL,
  OPEN_METEO_HOURLY,
} from './open-meteo.ts';
export type { WeatherPollerDeps, WeatherTopic } from './publish-weather.ts';
export { publishWeatherEvents } from './publish-weather.ts';
export type {
  WeatherCallPolicy,
  WeatherCallPolicyOptions,
  WeatherCallStatus,
} from './weather-call-policy.ts';
export { createWeatherCallPolicy } from './weather-call-policy.ts';
export type { AlertThresholds, ForecastIssue } from './weather-events.ts';
export {
  alertEvents,
  forecastEvents,
  hourOf,
  observationEvents,
  WEATHER_POLLER_SOURCE,
} from './weather-events.ts';
export type {
  BuildingsOfStation,
  StationPollResult,
  StationStatus,
  WeatherPoller,
  WeatherPollerOptions,
} from './weather-poller.ts';
export { createWeatherPoller } from './weather-poller.ts';
export { weatherPollerCheck } from './weather-poller-check.ts';
export type {
  CacheValidators,
  FreshWeather,
  HourlyWeather,
  NotModified,
  WeatherAnswer,
  WeatherRequestOptions,
  WeatherService,
  WeatherStation,
} from './weather-service.ts';
