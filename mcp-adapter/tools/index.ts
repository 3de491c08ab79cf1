import type { QueryLayer } from '../../projections/index.ts';
import type { AnyTool } from '../register-tools.ts';
import { listAnomalies } from './anomalies/index.ts';
import { listAuditRecords } from './audit/index.ts';
import { getBuilding, listBuildings } from './buildings/index.ts';
import { getCommandStatus } from './commands/index.ts';
import { compareToPeers, queryConsumptionTool, weatherImpact } from './consumption/index.ts';
import { dataQualityReport } from './data-quality/index.ts';
import { getLatestReadings } from './readings/index.ts';
import { getCurrentWeather } from './weather/index.ts';

/** What the MCP tools read, all through the query layer. */
export type McpReads = QueryLayer;

/** Every tool the server offers, in the order `tools/list` shows them. */
export const TOOLS: readonly AnyTool<McpReads>[] = [
  getLatestReadings,
  queryConsumptionTool,
  compareToPeers,
  weatherImpact,
  listAnomalies,
  dataQualityReport,
  getCommandStatus,
  listBuildings,
  getBuilding,
  getCurrentWeather,
  listAuditRecords,
];

export { listAnomalies } from './anomalies/index.ts';
export { listAuditRecords } from './audit/index.ts';
export { getBuilding, listBuildings } from './buildings/index.ts';
export { getCommandStatus } from './commands/index.ts';
export { compareToPeers, queryConsumptionTool, weatherImpact } from './consumption/index.ts';
export { dataQualityReport } from './data-quality/index.ts';
export { getLatestReadings, getLatestReadingsInput, getLatestReadingsOutput } from './readings/index.ts';
export { getCurrentWeather } from './weather/index.ts';
