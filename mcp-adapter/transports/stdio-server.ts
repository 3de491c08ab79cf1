import type { McpServerFactory } from '@modelcontextprotocol/server';
import { type StdioServerHandle, serveStdio } from '@modelcontextprotocol/server/stdio';

/** Serves MCP over this process's stdin/stdout; logs must go to stderr meanwhile. */
export function startMcpStdioServer(factory: McpServerFactory): StdioServerHandle {
  return serveStdio(factory);
}
