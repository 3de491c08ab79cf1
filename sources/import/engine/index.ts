export type { ImportSummary } from './import-accounting.ts';
export {
  IMPORT_DEAD_LETTER_HEADERS,
  IMPORT_ROW_REJECTED,
  IMPORT_STAGE,
  importSourceTopic,
} from './import-dead-letters.ts';
export { readHeaderFields, readImportEvents } from './read-events.ts';
export { MAX_RECORD_BYTES } from './record-framer.ts';
export type { ImportDeps, ImportProgress, RunImportRequest } from './run-import.ts';
export { runImport, sourceIdOf } from './run-import.ts';
