export type { PromotionRequest } from './model-promotion.ts';
export { buildModelPromoted, promotionTopicKey } from './model-promotion.ts';
export type {
  ForecastMeter,
  TrainingSkipped,
} from './model-training.ts';
export {
  isModelTrained,
  listForecastMeters,
  MODEL_TRAINER_SOURCE,
  modelIdOf,
  readHourlyObservations,
  trainingWindows,
  trainModel,
} from './model-training.ts';
export type { ModelVersion } from './model-versions.ts';
export { DEFAULT_MODEL_VERSION, MODEL_VERSIONS, modelVersionNamed } from './model-versions.ts';
export type { ModelRow, ModelsChanges, PromotionRow } from './models-projection.ts';
export { modelsProjection, promotionKey } from './models-projection.ts';
export type { ModelView, VersionChoice } from './query-models.ts';
export { queryModels, queryModelsById, queryVersionChoice } from './query-models.ts';
