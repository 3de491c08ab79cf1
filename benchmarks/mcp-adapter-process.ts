import {
  connectPlatform,
  createProcessRuntime,
  platformMcpServerFactory,
  resolveEndpoints,
  untilSignal,
} from '../app/index.ts';
import { resolveConfig } from '../infra/config/index.ts';
import { createLoggerRegistry } from '../infra/logging/index.ts';
import { startMcpHttpServer, TOOLS } from '../mcp-adapter/index.ts';
import { benchEmptyTool } from './mcp-empty-tool.ts';

/**
 * The MCP benchmark's adapter, in its own process as a deployment runs it: the platform's MCP server
 * (query layer, cache, last good answers, metrics, operations) plus the empty tool, on Streamable
 * HTTP. Configured from the environment the benchmark hands it; prints `{"url": ...}` when serving.
 */
const resolved = resolveConfig({ env: process.env, cwd: process.cwd() });
const { config } = resolved;
const loggers = createLoggerRegistry({ level: config.log.level, levels: config.log.levels });
const logger = loggers.logger('bench-adapter');
const platform = connectPlatform(config, await resolveEndpoints(config), logger);
const runtime = createProcessRuntime(platform, resolved, loggers, {
  source: 'eaio.bench',
  watchConfig: false,
});
const factory = platformMcpServerFactory(platform, {
  cache: runtime.cache,
  metrics: runtime.metrics,
  operations: runtime.operations,
  tools: [...TOOLS, benchEmptyTool],
});
const server = await startMcpHttpServer({ host: '127.0.0.1', port: 0, factory, logger });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
await untilSignal();
await server.close();
await runtime.close();
await platform.close();
