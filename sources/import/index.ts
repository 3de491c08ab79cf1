export type {
  ImportEvent,
  ImportFormat,
  ImportUnit,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from './import-format.ts';
export { ImportHeaderError } from './import-format.ts';
