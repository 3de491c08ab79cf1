export { BDG1_SAMPLE_URL, loadBdg1Sample } from './load-sample.ts';
export type { Bdg1Building, RejectedRow } from './parse-meta-open.ts';
export { parseMetaOpen } from './parse-meta-open.ts';
export type {
  Bdg1WeatherCleanedField,
  Bdg1WeatherParseResult,
  Bdg1WeatherRejectedRow,
  Bdg1WeatherRejectReason,
  Bdg1WeatherSample,
  ParseBdg1WeatherOptions,
} from './weather/index.ts';
export {
  BDG1_WEATHER_REJECT_REASONS,
  BDG1_WEATHER_SAMPLES,
  BDG1_WEATHER_SOURCE,
  bdg1WeatherStationOf,
  loadBdg1WeatherSample,
  parseBdg1Weather,
} from './weather/index.ts';
