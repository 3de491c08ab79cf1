import type { ImportFormatFactory } from '../import-format.ts';
import { bdg1MetaFormat } from './bdg1-meta.ts';
import { bdg1WeatherFormat } from './bdg1-weather.ts';
import { bdg2MetaFormat } from './bdg2-meta.ts';
import { bdg2WeatherFormat } from './bdg2-weather.ts';

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

import { readingsLongFormat } from './readings-long.ts';
import { readingsWideFormat } from './readings-wide.ts';

export { canonicalTimeZone, instantsOfLocalTime } from './local-time.ts';
export type { ImportedMeter } from './meter-registration.ts';
export {
  brickClassOf,
  DEFAULT_UNIT_OF_KIND,
  IMPORT_SOURCE,
  meterIdOf,
  meterKindOf,
  meterKindOfFileName,
  meterRegistration,
  readingUnitOf,
} from './meter-registration.ts';
export type { LocalDateTime, ParsedTimestamp, ResolvedInstant } from './reading-time.ts';
export { LocalTimeResolver, parseTimestamp, TIME_REASONS, timestampsOf } from './reading-time.ts';
export { NO_READING, ROW_REASONS, VALUE_REASONS } from './reading-value.ts';
export { LONG_COLUMNS, LONG_REASONS, readingsLongFormat } from './readings-long.ts';
export { readingsWideFormat, TIMESTAMP_COLUMN } from './readings-wide.ts';

/**
 * Every format `eaio import` can read; the format authors fill this list. Tried in order within the asked
 * kind: the long readings format comes before the wide one, as both may start with `timestamp`.
 */
export const IMPORT_FORMATS: readonly ImportFormatFactory[] = [
  bdg1MetaFormat,
  bdg2MetaFormat,
  bdg1WeatherFormat,
  bdg2WeatherFormat,
  // meter readings
  readingsLongFormat,
  readingsWideFormat,
];
