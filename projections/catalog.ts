import { anomaliesProjection } from './anomalies/index.ts';
import { createAnomalyFeedProjection } from './anomaly-feed/index.ts';
import { auditLogProjection } from './audit-log/index.ts';
import { createBuildingSummaryProjection } from './building-summary/index.ts';
import { buildingsProjection } from './buildings/index.ts';
import { controlCommandsProjection } from './control-commands/index.ts';
import { currentWeatherProjection } from './current-weather/index.ts';
import { dataQualityIssuesProjection } from './data-quality-issues/index.ts';
import { forecastsProjection, weatherForecastsProjection } from './forecasts/index.ts';
import { metersProjection } from './meters/index.ts';
import { modelsProjection } from './models/index.ts';
import { operationStatsProjection } from './operation-stats/index.ts';
import type { AnyProjection } from './projection.ts';
import { latestReadingsProjection, readingsProjection } from './readings/index.ts';
import { rollupsProjection } from './rollups/index.ts';
import { weatherProjection } from './weather/index.ts';

/**
 * Every read model the platform maintains. The live projector hosts all of them in one consumer
 * group; `eaio projections list|rebuild` works on them by name. Add a definition with one line here.
 */
export const PROJECTIONS: readonly AnyProjection[] = [
  buildingsProjection,
  readingsProjection,
  rollupsProjection,
  latestReadingsProjection,
  createBuildingSummaryProjection(),
  createAnomalyFeedProjection(),
  currentWeatherProjection,
  metersProjection,
  anomaliesProjection,
  dataQualityIssuesProjection,
  controlCommandsProjection,
  weatherProjection,
  operationStatsProjection,
  auditLogProjection,
  // Forecast models, forecasts and the weather forecasts they read (issue 15).
  modelsProjection,
  forecastsProjection,
  weatherForecastsProjection,
];

/** The catalogue entry called `name`, or undefined. */
export function projectionNamed(name: string): AnyProjection | undefined {
  return PROJECTIONS.find((p) => p.name === name);
}
