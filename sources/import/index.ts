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
