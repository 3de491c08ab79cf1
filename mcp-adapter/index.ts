export { createMcpServerFactory, SERVER_INFO } from './create-server.ts';
export type { ToolInstrumentation } from './instrument-tools.ts';
export { instrumentTools, TOOL_ERROR_CODE, toolResultErrorCode } from './instrument-tools.ts';
export { BUILDING_URI_TEMPLATE } from './resources/buildings/index.ts';
export type { ToolName } from './tool-names.ts';
export { TOOL_NAMES } from './tool-names.ts';
export { getLatestReadingsInput, getLatestReadingsOutput } from './tools/readings/index.ts';
export type { McpHttpServerOptions, RunningMcpHttpServer } from './transports/index.ts';
export { startMcpHttpServer, startMcpStdioServer } from './transports/index.ts';
