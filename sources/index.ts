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
  ImportEvent,
  ImportFormat,
  ImportFormatFactory,
  ImportKind,
  ImportOptions,
  ImportUnit,
  RecordResult,
  SourceRecord,
  UnitOutcome,
} from './import/index.ts';
export {
  DEFAULT_UNIT_OF_KIND,
  IMPORT_FORMATS,
  ImportHeaderError,
  LONG_REASONS,
  NO_READING,
  ROW_REASONS,
  readingsLongFormat,
  readingsWideFormat,
  TIME_REASONS,
  VALUE_REASONS,
} from './import/index.ts';
export type {
  SimulatedReadingsFile,
  SimulatedReadingsOptions,
  SimulatedWideReadingsOptions,
} from './simulated-readings/index.ts';
export { writeSimulatedLongReadings, writeSimulatedWideReadings } from './simulated-readings/index.ts';
