import type { QueryLayer } from '../../projections/index.ts';
import type { AnyTool } from '../register-tools.ts';
import { getLatestReadings } from './readings/index.ts';

/** What the MCP tools read, all through the query layer. */
export type McpReads = QueryLayer;

/** Every tool the server offers, in the order `tools/list` shows them. */
export const TOOLS: readonly AnyTool<McpReads>[] = [getLatestReadings];

export { getLatestReadingsInput, getLatestReadingsOutput } from './readings/index.ts';
