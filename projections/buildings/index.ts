export type { BuildingsChanges, BuildingView } from './buildings-projection.ts';
export {
  applyBuildings,
  buildingsProjection,
  evolveBuildings,
  listBuildingIds,
  listBuildingIdsOfStation,
  readBuilding,
  readBuildingTenant,
  stationServesTenant,
} from './buildings-projection.ts';
export type { BenchmarkQuery, BuildingBenchmark } from './query-benchmark.ts';
export { queryBenchmark } from './query-benchmark.ts';
export type { BuildingListing, BuildingsPage, BuildingsQuery } from './query-buildings.ts';
export { MAX_BUILDINGS_PAGE, queryBuildings } from './query-buildings.ts';
