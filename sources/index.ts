export type {
  Bdg1Building,
  Bdg1WeatherCleanedField,
  Bdg1WeatherParseResult,
  Bdg1WeatherRejectedRow,
  Bdg1WeatherRejectReason,
  Bdg1WeatherSample,
  ParseBdg1WeatherOptions,
  RejectedRow,
} from './bdg1/index.ts';
export {
  BDG1_SAMPLE_URL,
  BDG1_WEATHER_REJECT_REASONS,
  BDG1_WEATHER_SAMPLES,
  BDG1_WEATHER_SOURCE,
  bdg1WeatherStationOf,
  loadBdg1Sample,
  loadBdg1WeatherSample,
  parseBdg1Weather,
  parseMetaOpen,
} from './bdg1/index.ts';
export type { DemoFeed, DemoFeedDeps, DemoMeter } from './demo-feed/index.ts';
export {
  demoMeters,
  demoReading,
  publishBuildings,
  publishReadings,
  startDemoFeed,
} from './demo-feed/index.ts';
export type {
  ImportDeps,
  ImportEvent,
  ImportFormat,
  ImportFormatFactory,
  ImportKind,
  ImportOptions,
  ImportProgress,
  ImportSummary,
  ImportUnit,
  RecordResult,
  RunImportRequest,
  SourceRecord,
  UnitOutcome,
} from './import/index.ts';
export {
  IMPORT_DEAD_LETTER_HEADERS,
  IMPORT_FORMATS,
  IMPORT_ROW_REJECTED,
  IMPORT_STAGE,
  ImportHeaderError,
  importSourceTopic,
  MAX_RECORD_BYTES,
  readHeaderFields,
  readImportEvents,
  runImport,
  sourceIdOf,
} from './import/index.ts';
