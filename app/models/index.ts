export type {
  ForecastOptions,
  ForecastReport,
  ForecastSkipped,
  ModelJobDeps,
  RunningModelJob,
  TrainOptions,
  TrainReport,
} from './model-job.ts';
export { issueForecasts, startModelJob, trainModels } from './model-job.ts';
