export type { ImportDeps, ImportProgress, ImportSummary, RunImportRequest } from './engine/index.ts';
export {
  IMPORT_DEAD_LETTER_HEADERS,
  IMPORT_ROW_REJECTED,
  IMPORT_STAGE,
  importSourceTopic,
  MAX_RECORD_BYTES,
  readHeaderFields,
  readImportEvents,
  runImport,
  sourceIdOf,
} from './engine/index.ts';
export {
  brickClassOf,
  DEFAULT_UNIT_OF_KIND,
  IMPORT_FORMATS,
  instantsOfLocalTime,
  LONG_REASONS,
  LocalTimeResolver,
  NO_READING,
  parseTimestamp,
  ROW_REASONS,
  readingsLongFormat,
  readingsWideFormat,
  TIME_REASONS,
  VALUE_REASONS,
} from './formats/index.ts';
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
} from './import-format.ts';
export { ImportHeaderError } from './import-format.ts';
