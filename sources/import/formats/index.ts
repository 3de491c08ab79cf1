import type { ImportFormatFactory } from '../import-format.ts';
import { bdg1MetaFormat } from './bdg1-meta.ts';
import { bdg1WeatherFormat } from './bdg1-weather.ts';
import { bdg2MetaFormat } from './bdg2-meta.ts';
import { bdg2WeatherFormat } from './bdg2-weather.ts';

/** Every format `eaio import` knows, tried in order against a file's header. */
export const IMPORT_FORMATS: readonly ImportFormatFactory[] = [
  bdg1MetaFormat,
  bdg2MetaFormat,
  bdg1WeatherFormat,
  bdg2WeatherFormat,
];

export { BDG1_META_SOURCE, bdg1MetaFormat, createBdg1MetaFormat } from './bdg1-meta.ts';
export { bdg1StationOfFile, bdg1WeatherFormat, createBdg1WeatherFormat } from './bdg1-weather.ts';
export { BDG2_META_COLUMNS, BDG2_META_SOURCE, bdg2MetaFormat, createBdg2MetaFormat } from './bdg2-meta.ts';
export {
  BDG2_WEATHER_COLUMNS,
  BDG2_WEATHER_SOURCE,
  bdg2WeatherFormat,
  createBdg2WeatherFormat,
} from './bdg2-weather.ts';
export type { BuildingDescription } from './building-registration.ts';
export { buildingRegisteredEvent, stableDescription } from './building-registration.ts';
export type { CleanerInput, FahrenheitCleanerOptions, FieldCleaning } from './fahrenheit-cleaner.ts';
export {
  FahrenheitCleaner,
  fahrenheitToCelsius,
  plausibleStepC,
  WEATHER_CLEANING_RULES,
} from './fahrenheit-cleaner.ts';
export { canonicalTimeZone, instantsOfLocalTime } from './local-time.ts';
