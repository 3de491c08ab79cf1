import { McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import type { QueryLayer } from '../projections/index.ts';
import { instrumentTools, type ToolInstrumentation } from './instrument-tools.ts';
import { registerBuildingResource } from './resources/buildings/index.ts';
import { registerGetLatestReadings } from './tools/readings/index.ts';

export const SERVER_INFO = { name: 'eaio-stream', version: '0.1.0' } as const;

/** What the MCP tools and resources read, all through the query layer: its lookups so far. */
export type McpReads = Pick<QueryLayer, 'latestReadings' | 'building' | 'buildingIds'>;

/**
 * A factory of MCP server instances over the query layer, the adapter's one seam to the read models.
 * The SDK builds one instance per HTTP request or stdio connection; instances hold no state of their own.
 */
export function createMcpServerFactory(
  queries: McpReads,
  instrumentation: ToolInstrumentation = {},
): McpServerFactory {
  return () => {
    const server = new McpServer(SERVER_INFO, {
      instructions:
        'EAIO Stream answers questions about building energy data from its read models. Start from a building id (resources eaio://buildings/{id}), then ask for its latest readings.',
    });
    // Before any tool is registered, so every one is measured and recorded.
    instrumentTools(server, instrumentation);
    registerGetLatestReadings(server, queries);
    registerBuildingResource(server, queries);
    return server;
  };
}
