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
export { IMPORT_FORMATS } from './formats/index.ts';
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
