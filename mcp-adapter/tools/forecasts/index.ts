export {
  compareModels,
  compareModelsInput,
  compareModelsOutput,
  MIN_COMPARISON_HOURS,
} from './compare-models.ts';
export {
  forecastConsumption,
  forecastConsumptionInput,
  forecastConsumptionOutput,
} from './forecast-consumption.ts';
export type { ForecastWrites, ModelPromotionSink } from './forecast-writes.ts';
export {
  MCP_PROMOTION_SOURCE,
  promoteModel,
  promoteModelInput,
  promoteModelOutput,
} from './promote-model.ts';
