export type { LatestReading, LatestReadingsChanges } from './latest-readings-projection.ts';
export {
  activeLatestReadingsKeyspace,
  applyLatestReadings,
  buildingMetersKey,
  evolveLatestReadings,
  latestReadingKey,
  latestReadingsProjection,
  readLatestReadings,
} from './latest-readings-projection.ts';
export type { MeterLatestReading } from './read-meter-latest.ts';
export { listMeterIds, readMeterLatest } from './read-meter-latest.ts';
export type { ReadingsChanges } from './readings-projection.ts';
export {
  applyReadings,
  evolveReadings,
  laterInTime,
  readingKey,
  readingsDdl,
  readingsProjection,
} from './readings-projection.ts';
