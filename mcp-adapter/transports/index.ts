export { allowedNames, isLoopback, urlHost } from './allowed-names.ts';
export type { McpHttpAuth, McpHttpServerOptions, RunningMcpHttpServer } from './http-server.ts';
export { defaultResourceUri, startMcpHttpServer } from './http-server.ts';
export { startMcpStdioServer } from './stdio-server.ts';
