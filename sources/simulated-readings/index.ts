export type {
  SimulatedReadingsFile,
  SimulatedReadingsOptions,
  SimulatedWideReadingsOptions,
} from './write-simulated-readings.ts';
export { writeSimulatedLongReadings, writeSimulatedWideReadings } from './write-simulated-readings.ts';
