export type { BenchmarkTrend, BenchmarkTrendQuery, TrendMonth } from './query-benchmark-trend.ts';
export { MAX_TREND_MONTHS, MIN_MONTH_COVERAGE, queryBenchmarkTrend } from './query-benchmark-trend.ts';
export type {
  BuildingShape,
  Shape,
  ShapeVector,
  SimilarBuilding,
  SimilarBuildings,
  SimilarBuildingsQuery,
} from './query-similar-buildings.ts';
export {
  DISTANCE_METHOD,
  MAX_SHAPE_WINDOW_DAYS,
  MAX_SIMILAR_BUILDINGS,
  querySimilarBuildings,
  SHAPES,
  shapeDistance,
} from './query-similar-buildings.ts';
export * from './recommendations/index.ts';
