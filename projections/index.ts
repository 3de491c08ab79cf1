export type { BuildingView } from './buildings/index.ts';
export { listBuildingIds, readBuilding, writeBuildings } from './buildings/index.ts';
export type { Positioned } from './positioned-event.ts';
export type { BatchOutcome, ProjectorDeps } from './projector/index.ts';
export { createProjector } from './projector/index.ts';
export type { LatestReading } from './readings/index.ts';
export { readLatestReadings, writeLatestReadings, writeReadings } from './readings/index.ts';
export type { AppliedMigrations } from './schema/index.ts';
export { runMigrations } from './schema/index.ts';
