export type { BuildingView } from './postgres-buildings.ts';
export { listBuildingIds, readBuilding, writeBuildings } from './postgres-buildings.ts';
