export type {
  Bdg1Building,
  Bdg1WeatherCleanedField,
  Bdg1WeatherParseResult,
  Bdg1WeatherRejectedRow,
  Bdg1WeatherRejectReason,
  Bdg1WeatherSample,
  ParseBdg1WeatherOptions,
  RejectedRow,
} from './bdg1/index.ts';
export {
  BDG1_SAMPLE_URL,
  BDG1_WEATHER_REJECT_REASONS,
  BDG1_WEATHER_SAMPLES,
  BDG1_WEATHER_SOURCE,
  bdg1WeatherStationOf,
  loadBdg1Sample,
  loadBdg1WeatherSample,
  parseBdg1Weather,
  parseMetaOpen,
} from './bdg1/index.ts';
export type { DemoFeed, DemoFeedDeps, DemoMeter } from './demo-feed/index.ts';
export {
  demoMeters,
  demoReading,
  publishBuildings,
  publishReadings,
  startDemoFeed,
} from './demo-feed/index.ts';
export type {
  ImportEvent,
  ImportFormat,
  ImportFormatFactory,
  ImportKind,
  ImportOptions,
  ImportUnit,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from './import/index.ts';
export { ImportHeaderError } from './import/index.ts';
export type {
  AlertThresholds,
  BuildingsOfStation,
  CacheValidators,
  ForecastIssue,
  FreshWeather,
  HourlyWeather,
  StationPollResult,
  StationStatus,
  WeatherAnswer,
  WeatherCallStatus,
  WeatherPoller,
  WeatherPollerDeps,
  WeatherPollerOptions,
  WeatherRequestOptions,
  WeatherService,
  WeatherStation,
} from './weather-service/index.ts';
export {
  alertEvents,
  createOpenMeteoService,
  createWeatherCallPolicy,
  createWeatherPoller,
  forecastEvents,
  OPEN_METEO_ARCHIVE_URL,
  OPEN_METEO_FORECAST_URL,
  observationEvents,
  retryAfterMs,
  weatherPollerCheck,
} from './weather-service/index.ts';
