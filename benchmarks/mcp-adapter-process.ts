import {
  connectPlatform,
  createPlatformAuditTrail,
  createProcessRuntime,
  issueLocalToken,
  localPrincipalOf,
  mcpHttpSettings,
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
const audit = createPlatformAuditTrail(platform, runtime.metrics);
const factory = platformMcpServerFactory(platform, {
  audit,
  cache: runtime.cache,
  metrics: runtime.metrics,
  operations: runtime.operations,
  config: runtime.config,
  localPrincipal: localPrincipalOf(config),
  tools: [...TOOLS, benchEmptyTool],
});
// As deployed: bearer tokens verified on every request (the local key unless configured otherwise).
const server = await startMcpHttpServer({ ...(await mcpHttpSettings(config)), port: 0, factory, logger });
const { token } = await issueLocalToken(config, {
  subject: 'bench',
  role: 'admin',
  ttlSeconds: 3600,
  ...(server.resource === undefined ? {} : { audience: server.resource }),
});
process.stdout.write(`${JSON.stringify({ url: server.url, token })}\n`);
await untilSignal();
await server.close();
await audit.close();
await runtime.close();
await platform.close();
