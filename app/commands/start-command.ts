import type { Command } from 'commander';
import type { EaioConfig, ResolvedConfig } from '../../infra/config/index.ts';
import type { Logger, LoggerRegistry } from '../../infra/logging/index.ts';
import { stackUp } from '../../infra/stack/index.ts';
import { type RunningMcpHttpServer, startMcpHttpServer, TOOL_NAMES } from '../../mcp-adapter/index.ts';
import { startSimulation } from '../../sources/index.ts';
import { startModelJob } from '../models/index.ts';
import {
  connectPlatform,
  createPlatformAuditTrail,
  createPlatformWeatherPoller,
  createProcessRuntime,
  issueLocalToken,
  localPrincipalOf,
  mcpHttpSettings,
  metricsServerSettings,
  observePlatform,
  type Platform,
  platformHttpRequestLimiter,
  platformMcpServerFactory,
  platformResourceSubscriptions,
  preparePlatform,
  projectorGroup,
  runDeadLetterIndex,
  runProcessors,
  runProjector,
  startPlatformOpsPage,
  untilSignal,
} from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';
import { demoDevicesHelp, type RunningDemoDevices, startDemoDevices } from './demo-devices.ts';
import { type DesktopAgentSettings, desktopAgentConfig } from './desktop-agent-config.ts';
import { groundTruthFor, publishDepsOf, simulationSettingsOf } from './simulate-command.ts';

/** What `eaio start` needs besides the config and the CLI logger. */
export interface StartOptions {
  readonly demo: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per-component loggers; a reloaded `log` section changes their levels. */
  readonly loggers: LoggerRegistry;
  /** The configuration as resolved, for the store that reloads its reloadable sections. */
  readonly resolved: ResolvedConfig;
}

/** How long the admin token `npm start` prints stays valid. */
const START_TOKEN_TTL_SECONDS = 3600;

/**
 * The MCP Inspector lines `npm start` prints: the URL and, when the server trusts the local key, a
 * ready short-lived admin token with the header that carries it.
 */
export async function inspectorHelp(config: EaioConfig, mcp: RunningMcpHttpServer): Promise<string[]> {
  if (mcp.resource === undefined)
    return [
      `  Inspector:      npx @modelcontextprotocol/inspector   (transport "Streamable HTTP", URL ${mcp.url})`,
      '                  Authentication is OFF (mcp.auth.mode=none): every local caller is the local principal.',
    ];
  const lines = [
    `  Inspector:      npx @modelcontextprotocol/inspector   (transport "Streamable HTTP", URL ${mcp.url})`,
  ];
  if (config.mcp.auth.jwksUrl !== undefined || config.mcp.auth.publicKey !== undefined)
    return [
      ...lines,
      `                  with a token from ${config.mcp.auth.issuer} (audience ${mcp.resource})`,
    ];
  const { token, expiresAt } = await issueLocalToken(config, {
    subject: 'local-admin',
    role: 'admin',
    ttlSeconds: START_TOKEN_TTL_SECONDS,
    audience: mcp.resource,
  });
  return [
    ...lines,
    `                  Authentication → Header Name "Authorization", Bearer Token below (admin of every tenant, valid until ${expiresAt.toISOString()}):`,
    `  Authorization:  Bearer ${token}`,
    '  More tokens:    npx eaio token issue --role analyst --tenant default --ttl 1h',
  ];
}

function connectionHelp(
  agent: DesktopAgentSettings,
  url: string,
  opsPage: { readonly url: string | undefined; readonly notServed?: string },
  observabilityUrl: string | undefined,
  inspector: readonly string[],
  devices: readonly string[],
): string {
  const desktop = JSON.stringify(desktopAgentConfig(agent), null, 2);
  return [
    '',
    `EAIO Stream is running. MCP endpoint (Streamable HTTP): ${url}`,
    opsPage.url === undefined
      ? `Operations page: ${opsPage.notServed ?? 'not served'}`
      : `Operations page: ${opsPage.url}   (sign in with the token below, or one from \`npx eaio token issue\`)`,
    observabilityUrl === undefined
      ? 'Metrics and health: not served (port taken; see the log)'
      : `Metrics (Prometheus): ${observabilityUrl}/metrics   Readiness: ${observabilityUrl}/health/ready`,
    '',
    ...inspector,
    `  Try the tool:   ${TOOL_NAMES.getLatestReadings} { "buildingId": "Office_Cristina" }`,
    ...devices,
    '  Desktop agent (stdio), add to its MCP config:',
    ...desktop.split('\n').map((line) => `    ${line}`),
    '',
    'Stop with Ctrl+C; the stack keeps running until `npx eaio stack down`.',
    '',
  ].join('\n');
}

/**
 * The simulator as `npm start` runs it: the `simulator` config section, live (one simulated second per
 * second) after its backfill. A failure is logged, not fatal: the platform keeps serving.
 */
async function startPlatformSimulation(config: EaioConfig, platform: Platform, logger: Logger) {
  const { groundTruthPath, ...settings } = await simulationSettingsOf(config.simulator, {});
  const groundTruth = await groundTruthFor({ faults: settings.faults, groundTruthPath });
  const running = startSimulation(await publishDepsOf(platform), {
    ...settings,
    ...(groundTruth === undefined ? {} : { groundTruth }),
  });
  running.done.catch((error: unknown) => logger.error({ err: error }, 'simulator stopped'));
  logger.info(
    {
      buildings: settings.fleet.buildings.length,
      meters: settings.fleet.meters.length,
      backfillMs: settings.backfillMs,
    },
    'simulator started',
  );
  return {
    buildingIds: settings.fleet.buildings.map((b) => b.buildingId),
    groundTruth,
    // A failure was logged when it happened (above); stopping must not throw it a second time.
    stop: () => running.stop().catch(() => undefined),
  };
}

/**
 * The demo devices as `npm start` runs them (`simulator.devices`), in the simulated fleet's buildings.
 * A failure is logged, not fatal: the platform keeps serving without them.
 */
async function startPlatformDemoDevices(
  config: EaioConfig,
  platform: Platform,
  buildingIds: readonly string[],
  logger: Logger,
): Promise<RunningDemoDevices | undefined> {
  try {
    const devices = await startDemoDevices(
      { publish: { ...(await publishDepsOf(platform)), logger }, kafka: platform.kafka, logger },
      {
        buildingIds,
        modbusPort: config.simulator.devices.modbusPort,
        bacnetPort: config.simulator.devices.bacnetPort,
      },
    );
    logger.info(
      {
        devices: devices.devices.map((d) => ({
          protocol: d.protocol,
          address: d.address,
          gatewayId: d.gatewayId,
        })),
      },
      'demo devices started',
    );
    return devices;
  } catch (error) {
    logger.error({ err: error }, 'demo devices not started');
    return undefined;
  }
}

/**
 * `eaio start`: stack up, prepare, the projector, every processor and the dead-letter index, the
 * building simulator and (with `simulator.devices.enabled`) the demo devices and their gateways, the
 * weather poller when `weather.poller.enabled`, the MCP HTTP server and the metrics and health
 * endpoints, until a signal.
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
  // Off by default: the public weather service needs internet (or a self-hosted one in its shape).
  const weather = config.weather.poller.enabled
    ? await createPlatformWeatherPoller(platform, componentLogger('weather'), { metrics })
    : undefined;
  // Served whatever `metrics.enabled` says: `npm start` is the one all-in-one process on the host.
  const observability = await observePlatform(platform, {
    ...metricsServerSettings(config),
    registryUrl: endpoints.registryUrl,
    groups: [projectorGroup(platform), ...processors.groupIds.map((groupId) => ({ groupId }))],
    metrics,
    logger: componentLogger('metrics'),
    readiness: weather ? [weather.readiness] : [],
  });
  weather?.poller.start();
  // Forecast models (issue 15): trains once per UTC day per window and forecasts every run.
  const modelJob = config.models.job.enabled
    ? startModelJob(
        {
          pool: platform.pool,
          producer: () => platform.producer(),
          codec: platform.codec,
          names: platform.names,
        },
        {
          intervalMs: config.models.job.intervalSeconds * 1000,
          versions: config.models.job.versions,
          logger: componentLogger('models'),
        },
      )
    : undefined;
  const simulation = options.demo
    ? await startPlatformSimulation(config, platform, componentLogger('simulator'))
    : undefined;
  // In the simulator's buildings, so an agent's tenant check finds them registered.
  const devices =
    simulation !== undefined && config.simulator.devices.enabled
      ? await startPlatformDemoDevices(config, platform, simulation.buildingIds, componentLogger('gateway'))
      : undefined;
  const audit = createPlatformAuditTrail(platform, metrics);
  const subscriptions = platformResourceSubscriptions(platform);
  // Listening before serving, so a subscription taken at once misses no change; with Redis down
  // the adapter serves all the same (logged), and listens once Redis is back.
  await subscriptions.ready.catch(() => undefined);
  const mcp = await startMcpHttpServer({
    ...(await mcpHttpSettings(config)),
    factory: platformMcpServerFactory(platform, {
      cache,
      metrics,
      operations,
      config: runtime.config,
      localPrincipal: localPrincipalOf(config),
      audit,
      subscriptions,
    }),
    requestLimiter: platformHttpRequestLimiter(platform, { config: runtime.config, metrics }),
    logger: componentLogger('mcp'),
    bus: subscriptions.bus,
  });
  const opsPage = await startPlatformOpsPage(platform, {
    audience: mcp.resource,
    logger: componentLogger('ops-page'),
  });
  process.stdout.write(
    connectionHelp(
      { stateDir: config.stateDir, configFile: options.resolved.file, cwd: process.cwd() },
      mcp.url,
      opsPage,
      observability.url,
      await inspectorHelp(config, mcp),
      devices === undefined ? [] : demoDevicesHelp(devices.devices, TOOL_NAMES.proposeControlCommand),
    ),
  );
  const signal = await untilSignal();
  logger.info({ signal }, 'shutting down');
  await opsPage.close();
  await mcp.close();
  await subscriptions.close();
  await observability.close();
  // While Kafka is still connected: an executor finishes the step in progress (and sends its outcome).
  await devices?.stop();
  await simulation?.stop();
  await simulation?.groundTruth?.close();
  await weather?.poller.stop();
  await modelJob?.stop();
  await Promise.all([projector.stop(), processors.stop(), deadLetterIndex.stop()]);
  await audit.close();
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
    .description(
      'Bring the stack up, then run the projector, the processors, the building simulator and the MCP HTTP server.',
    )
    .option(
      '--no-demo',
      'do not run the building simulator nor the demo devices (simulate with `eaio simulate` instead)',
    )
    .action((opts: { demo: boolean }) =>
      startCommand(config, logger, { demo: opts.demo, env, loggers, resolved }),
    );
}
