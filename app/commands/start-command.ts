import type { Command } from 'commander';
import type { EaioConfig, ResolvedConfig } from '../../infra/config/index.ts';
import type { Logger, LoggerRegistry } from '../../infra/logging/index.ts';
import { stackUp } from '../../infra/stack/index.ts';
import { startMcpHttpServer, TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { loadBdg1Sample, startDemoFeed } from '../../sources/index.ts';
import {
  connectPlatform,
  createProcessRuntime,
  metricsServerSettings,
  observePlatform,
  platformMcpServerFactory,
  platformResourceSubscriptions,
  preparePlatform,
  projectorGroup,
  runDeadLetterIndex,
  runProcessors,
  runProjector,
  untilSignal,
} from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

/** What `eaio start` needs besides the config and the CLI logger. */
export interface StartOptions {
  readonly demo: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per-component loggers; a reloaded `log` section changes their levels. */
  readonly loggers: LoggerRegistry;
  /** The configuration as resolved, for the store that reloads its reloadable sections. */
  readonly resolved: ResolvedConfig;
}

function connectionHelp(url: string, observabilityUrl: string | undefined): string {
  const desktop = JSON.stringify(
    { mcpServers: { eaio: { command: 'npx', args: ['eaio', 'mcp', '--stdio'], cwd: process.cwd() } } },
    null,
    2,
  );
  return [
    '',
    `EAIO Stream is running. MCP endpoint (Streamable HTTP): ${url}`,
    observabilityUrl === undefined
      ? 'Metrics and health: not served (port taken; see the log)'
      : `Metrics (Prometheus): ${observabilityUrl}/metrics   Readiness: ${observabilityUrl}/health/ready`,
    '',
    `  Inspector:      npx @modelcontextprotocol/inspector   (transport "Streamable HTTP", URL ${url})`,
    `  Try the tool:   ${TOOL_NAMES.getLatestReadings} { "buildingId": "Office_Cristina" }`,
    '  Desktop agent (stdio), add to its MCP config:',
    ...desktop.split('\n').map((line) => `    ${line}`),
    '',
    'Stop with Ctrl+C; the stack keeps running until `npx eaio stack down`.',
    '',
  ].join('\n');
}

/**
 * `eaio start`: stack up, prepare, the projector, every processor and the dead-letter index, the
 * demo feed, the MCP HTTP server and the metrics and health endpoints, until a signal.
 */
export async function startCommand(config: EaioConfig, logger: Logger, options: StartOptions): Promise<void> {
  const componentLogger = (component: string) => options.loggers.logger(component);
  const endpoints = await stackUp(config, { log: (line) => logger.info(line), env: options.env });
  const platform = connectPlatform(config, endpoints, componentLogger('platform'));
  await preparePlatform(platform);
  // One metrics registry, telemetry recorder, tool-result cache and config store for the process.
  const runtime = createProcessRuntime(platform, options.resolved, options.loggers, { source: 'eaio.start' });
  const { metrics, operations, cache } = runtime;
  const projector = await runProjector(platform, { metrics, cache });
  const processors = await runProcessors(platform, {
    metrics,
    operations,
    qualityThresholds: runtime.qualityThresholds,
  });
  const deadLetterIndex = await runDeadLetterIndex(platform);
  // Served whatever `metrics.enabled` says: `npm start` is the one all-in-one process on the host.
  const observability = await observePlatform(platform, {
    ...metricsServerSettings(config),
    registryUrl: endpoints.registryUrl,
    groups: [projectorGroup(platform), ...processors.groupIds.map((groupId) => ({ groupId }))],
    metrics,
    logger: componentLogger('metrics'),
  });
  const feed = options.demo
    ? await startDemoFeed(
        { producer: await platform.producer(), codec: platform.codec, names: platform.names, logger },
        await loadBdg1Sample(),
      )
    : undefined;
  const subscriptions = platformResourceSubscriptions(platform);
  // Listening before serving, so a subscription taken at once misses no change; with Redis down
  // the adapter serves all the same (logged), and listens once Redis is back.
  await subscriptions.ready.catch(() => undefined);
  const mcp = await startMcpHttpServer({
    host: config.mcp.host,
    port: config.mcp.port,
    factory: platformMcpServerFactory(platform, { cache, metrics, operations, subscriptions }),
    logger: componentLogger('mcp'),
    bus: subscriptions.bus,
  });
  process.stdout.write(connectionHelp(mcp.url, observability.url));
  const signal = await untilSignal();
  logger.info({ signal }, 'shutting down');
  await mcp.close();
  await subscriptions.close();
  await observability.close();
  await feed?.stop();
  await Promise.all([projector.stop(), processors.stop(), deadLetterIndex.stop()]);
  await runtime.close();
  await platform.close();
  logger.info('stopped');
}

/** `eaio start`: everything in one process (see {@link startCommand}). */
export function addStartCommand(
  program: Command,
  { config, logger, env, loggers, resolved }: CommandContext,
): void {
  program
    .command('start')
    .description('Bring the stack up, then run the projector, the demo feed and the MCP HTTP server.')
    .option('--no-demo', 'do not run the demo feed')
    .action((opts: { demo: boolean }) =>
      startCommand(config, logger, { demo: opts.demo, env, loggers, resolved }),
    );
}
