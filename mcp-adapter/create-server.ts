import { McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import { registerTools, type ToolInstrumentation } from './register-tools.ts';
import { registerBuildingResource } from './resources/buildings/index.ts';
import { type McpReads, TOOLS } from './tools/index.ts';

export const SERVER_INFO = { name: 'eaio-stream', version: '0.1.0' } as const;

export type { McpReads } from './tools/index.ts';

/** What a server factory takes besides the reads: instrumentation and, for tests, a clock. */
export interface McpServerOptions extends ToolInstrumentation {
  /** Wall clock of answer ages; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * A factory of MCP server instances over the query layer, the adapter's one seam to the read models.
 * The SDK builds one instance per HTTP request or stdio connection; instances hold no state of their own.
 */
export function createMcpServerFactory(queries: McpReads, options: McpServerOptions = {}): McpServerFactory {
  const context = { queries, now: options.now ?? Date.now };
  return () => {
    const server = new McpServer(SERVER_INFO, {
      instructions:
        'EAIO Stream answers questions about building energy data from its read models. Start from a building id (resources eaio://buildings/{id}), then ask for its latest readings, consumption, peer comparison, weather impact, anomalies or data quality. Every answer says which read model and log offsets it reflects and how recent its data is.',
    });
    registerTools(server, TOOLS, context, options);
    registerBuildingResource(server, queries);
    return server;
  };
}
