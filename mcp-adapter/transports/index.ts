export type { McpHttpServerOptions, RunningMcpHttpServer } from './http-server.ts';
export { startMcpHttpServer } from './http-server.ts';
export { startMcpStdioServer } from './stdio-server.ts';
