export {
  getLatestReadingsInput,
  getLatestReadingsOutput,
  registerGetLatestReadings,
} from './get-latest-readings.ts';
