export type { ColumnLayout, MeasurementColumn, MeasurementField } from './columns.ts';
export { cleanCell, dedupeHeader, layoutOf, MEASUREMENT_COLUMNS } from './columns.ts';
export type {
  Bdg1WeatherCleanedField,
  Bdg1WeatherParseResult,
  Bdg1WeatherRejectedRow,
  Bdg1WeatherRejectReason,
  Bdg1WeatherRowObservation,
  Bdg1WeatherRowRejection,
  ParseBdg1WeatherOptions,
} from './parse-weather.ts';
export {
  BDG1_WEATHER_REJECT_REASONS,
  BDG1_WEATHER_SOURCE,
  mapBdg1WeatherRow,
  parseBdg1Weather,
} from './parse-weather.ts';
export type { Bdg1WeatherSample } from './samples.ts';
export { BDG1_WEATHER_SAMPLES, bdg1WeatherStationOf, loadBdg1WeatherSample } from './samples.ts';
export type { TimestampRepeat } from './timestamp-repeats.ts';
export { TimestampRepeats, weatherValuesKey } from './timestamp-repeats.ts';
export type { WallClock } from './wall-clock.ts';
export { parseWallClock } from './wall-clock.ts';
