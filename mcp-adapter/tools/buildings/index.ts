export { decodeBuildingCursor, encodeBuildingCursor } from './building-cursor.ts';
export { getBuilding, getBuildingInput, getBuildingOutput } from './get-building.ts';
export { listBuildings, listBuildingsInput, listBuildingsOutput } from './list-buildings.ts';
