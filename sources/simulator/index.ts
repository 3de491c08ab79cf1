export type { FaultInjector, FaultKind, FaultRates, GroundTruthFault } from './faults.ts';
export { checkFaultRates, createFaultInjector, FAULT_KINDS } from './faults.ts';
export type { Fleet, FleetSource, SimBuilding, SimMeter } from './fleet.ts';
export { drawFleet, meterKindsOf, metersOf } from './fleet.ts';
export type { GroundTruthSink } from './ground-truth.ts';
export { createGroundTruthFile, parseGroundTruth } from './ground-truth.ts';
export { loadBdg1Fleet } from './load-fleet.ts';
export type { LoadInput } from './load-model.ts';
export { expectedKwh, occupancyOf, simulatedValue } from './load-model.ts';
export type { LocalCalendar, LocalTime } from './local-calendar.ts';
export { createLocalCalendar } from './local-calendar.ts';
export type { SimulationSettings, SimulationSummary } from './simulation.ts';
export { runSimulation, SIMULATOR_SOURCE, simulatedReadingId } from './simulation.ts';
export type { RunningSimulation } from './start-simulation.ts';
export { startSimulation } from './start-simulation.ts';
export type { ObservationSource, TemperatureSource } from './weather-replay.ts';
export {
  BDG1_WEATHER_FILES,
  loadBdg1WeatherReplay,
  SIMULATOR_WEATHER_SOURCE,
  WeatherReplay,
} from './weather-replay.ts';
