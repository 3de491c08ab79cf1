import type { QueryLayer } from '../../projections/index.ts';
import type { ControlReads } from '../control-writes.ts';
import type { PipelineReads } from '../pipeline-admin.ts';
import type { AnyTool } from '../register-tools.ts';
import { benchmarkTrend, findSimilarBuildings, recommendActions } from './analytics/index.ts';
import { listAnomalies } from './anomalies/index.ts';
import { listAuditRecords } from './audit/index.ts';
import { getBuilding, listBuildings } from './buildings/index.ts';
import {
  approveControlCommand,
  cancelControlCommand,
  getCommandStatus,
  heartbeatControlCommand,
  proposeControlCommand,
} from './commands/index.ts';
import { compareToPeers, queryConsumptionTool, weatherImpact } from './consumption/index.ts';
import { dataQualityReport } from './data-quality/index.ts';
import { listDeadLetters, redriveDeadLetters, showDeadLetter } from './dead-letters/index.ts';
import { compareModels, type ForecastWrites, forecastConsumption, promoteModel } from './forecasts/index.ts';
import { getOperationStats, getPipelineStatus, getReplayStatus } from './pipeline/index.ts';
import { getLatestReadings } from './readings/index.ts';
import { estimateSavings } from './savings/index.ts';
import { getCurrentWeather } from './weather/index.ts';

/**
 * What the MCP tools read: the query layer, for the admin tools the pipeline port (Kafka's end
 * offsets, group lag, dead-letter records, re-drive), and for the control tools the control port
 * (proposals and actions onto Kafka); a server without a port refuses the tools that need it.
 */
export type McpReads = QueryLayer & PipelineReads & ControlReads & ForecastWrites;

/** Every tool the server offers, in the order `tools/list` shows them. */
export const TOOLS: readonly AnyTool<McpReads>[] = [
  getLatestReadings,
  queryConsumptionTool,
  compareToPeers,
  weatherImpact,
  estimateSavings,
  listAnomalies,
  dataQualityReport,
  getCommandStatus,
  proposeControlCommand,
  approveControlCommand,
  cancelControlCommand,
  heartbeatControlCommand,
  listBuildings,
  getBuilding,
  getCurrentWeather,
  listAuditRecords,
  getPipelineStatus,
  getReplayStatus,
  getOperationStats,
  listDeadLetters,
  showDeadLetter,
  redriveDeadLetters,
  // Forecast models (issue 15).
  forecastConsumption,
  compareModels,
  promoteModel,
  // Analytics (issue 15).
  recommendActions,
  findSimilarBuildings,
  benchmarkTrend,
];

export { benchmarkTrend, findSimilarBuildings, recommendActions } from './analytics/index.ts';
export { listAnomalies } from './anomalies/index.ts';
export { listAuditRecords } from './audit/index.ts';
export { getBuilding, listBuildings } from './buildings/index.ts';
export {
  approveControlCommand,
  cancelControlCommand,
  getCommandStatus,
  heartbeatControlCommand,
  proposeControlCommand,
} from './commands/index.ts';
export { compareToPeers, queryConsumptionTool, weatherImpact } from './consumption/index.ts';
export { dataQualityReport } from './data-quality/index.ts';
export { listDeadLetters, redriveDeadLetters, showDeadLetter } from './dead-letters/index.ts';
export type { ForecastWrites, ModelPromotionSink } from './forecasts/index.ts';
export { compareModels, forecastConsumption, promoteModel } from './forecasts/index.ts';
export {
  generationProgress,
  getOperationStats,
  getPipelineStatus,
  getReplayStatus,
} from './pipeline/index.ts';
export { getLatestReadings, getLatestReadingsInput, getLatestReadingsOutput } from './readings/index.ts';
export { estimateSavings, estimateSavingsInput, estimateSavingsOutput } from './savings/index.ts';
export { getCurrentWeather } from './weather/index.ts';
