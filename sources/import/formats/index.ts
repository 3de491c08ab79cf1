import type { ImportFormatFactory } from '../import-format.ts';
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
  // meter readings
  readingsLongFormat,
  readingsWideFormat,
];
