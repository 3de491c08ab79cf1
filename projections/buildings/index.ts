export type { BuildingsChanges, BuildingView } from './buildings-projection.ts';
export {
  applyBuildings,
  buildingsProjection,
  evolveBuildings,
  listBuildingIds,
  readBuilding,
} from './buildings-projection.ts';
