export { writeReadings } from './postgres-readings-sink.ts';
export type { LatestReading } from './redis-latest-readings.ts';
export {
  buildingMetersKey,
  latestReadingKey,
  readLatestReadings,
  writeLatestReadings,
} from './redis-latest-readings.ts';
