export { getLatestReadings, getLatestReadingsInput, getLatestReadingsOutput } from './get-latest-readings.ts';
