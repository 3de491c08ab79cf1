export type { BuildingsChanges, BuildingView } from './buildings-projection.ts';
export {
  applyBuildings,
  buildingsProjection,
  evolveBuildings,
  listBuildingIds,
  readBuilding,
} from './buildings-projection.ts';
export type { BenchmarkQuery, BuildingBenchmark } from './query-benchmark.ts';
export { queryBenchmark } from './query-benchmark.ts';
