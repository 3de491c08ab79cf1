export { BDG1_META_OPEN_URL, BDG1_SAMPLE_URL, loadBdg1Buildings, loadBdg1Sample } from './load-sample.ts';
export type { Bdg1Building, MetaOpenRowResult, RejectedRow } from './parse-meta-open.ts';
export { isTimeZone, META_OPEN_COLUMNS, mapMetaOpenRow, parseMetaOpen } from './parse-meta-open.ts';
export type {
  Bdg1WeatherCleanedField,
  Bdg1WeatherParseResult,
  Bdg1WeatherRejectedRow,
  Bdg1WeatherRejectReason,
  Bdg1WeatherRowObservation,
  Bdg1WeatherRowRejection,
  Bdg1WeatherSample,
  ColumnLayout,
  ParseBdg1WeatherOptions,
  WallClock,
} from './weather/index.ts';
export {
  BDG1_WEATHER_REJECT_REASONS,
  BDG1_WEATHER_SAMPLES,
  BDG1_WEATHER_SOURCE,
  bdg1WeatherStationOf,
  dedupeHeader,
  layoutOf,
  loadBdg1WeatherSample,
  mapBdg1WeatherRow,
  parseBdg1Weather,
  parseWallClock,
  TimestampRepeats,
  weatherValuesKey,
} from './weather/index.ts';
