export { benchmarkTrend, benchmarkTrendInput, benchmarkTrendOutput } from './benchmark-trend.ts';
export {
  findSimilarBuildings,
  findSimilarBuildingsInput,
  findSimilarBuildingsOutput,
} from './find-similar-buildings.ts';
export { recommendActions, recommendActionsInput, recommendActionsOutput } from './recommend-actions.ts';
