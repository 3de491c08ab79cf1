import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { Logger } from '../../infra/logging/index.ts';
import { ensureTopics } from '../../schemas/index.ts';
import {
  createBacnetGateway,
  createModbusGateway,
  type ExecutorPoint,
  type Gateway,
  type GatewayPointMap,
  loadBacnetPointMap,
  loadModbusPointMap,
  type PublishDeps,
  runGateway,
  startCommandExecutor,
} from '../../sources/index.ts';
import { connectPlatform, type Platform, resolveEndpoints, untilSignal } from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';
import { type SimulateModbusFlags, simulateModbusCommand } from './gateway-simulate.ts';

/** A protocol's way from a points file to its validated map and a (not yet connected) gateway. */
export type OpenGateway = (file: string) => Promise<{ map: GatewayPointMap; gateway: Gateway }>;

/**
 * The protocols `eaio gateway` speaks, by the `gateway.protocol` of a points file. Adding one is one
 * entry: its map loader (which validates the file, naming each bad entry) and its gateway factory.
 */
export const GATEWAY_PROTOCOLS: Readonly<Record<string, OpenGateway>> = {
  modbus: async (file) => {
    const map = await loadModbusPointMap(file);
    return { map, gateway: createModbusGateway(map) };
  },
  bacnet: async (file) => {
    const map = await loadBacnetPointMap(file);
    return { map, gateway: createBacnetGateway(map) };
  },
};

/** The protocol a points file names in `gateway.protocol`, or a sentence saying what is wrong. */
export async function protocolOfFile(file: string): Promise<string> {
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  const protocol = (raw as { gateway?: { protocol?: unknown } } | null)?.gateway?.protocol;
  if (typeof protocol !== 'string')
    throw new Error(`${file}: gateway.protocol is missing (one of ${known()})`);
  return protocol;
}

const known = (): string => Object.keys(GATEWAY_PROTOCOLS).join(', ') || '(none built in)';

/** The setpoints of a map, as the command executor needs them. */
export function executorPointsOf(map: GatewayPointMap): ExecutorPoint[] {
  return map.points.flatMap((p) =>
    p.role === 'setpoint'
      ? [
          {
            pointId: p.pointId,
            buildingId: p.buildingId,
            requiresApproval: p.requiresApproval,
            approvalTimeoutSeconds: p.approvalTimeoutSeconds,
          },
        ]
      : [],
  );
}

export interface GatewayFlags {
  readonly points: string;
  readonly protocol: string;
  readonly healthSeconds: number;
  readonly tickMs: number;
}

/**
 * `eaio gateway --points points.json`: registers the map's points, polls them onto the platform, and runs
 * the command executor for its setpoints, until SIGINT/SIGTERM; a health line every healthSeconds.
 */
export async function gatewayCommand(context: CommandContext, flags: GatewayFlags): Promise<void> {
  const protocol = flags.protocol === 'auto' ? await protocolOfFile(flags.points) : flags.protocol;
  const open = GATEWAY_PROTOCOLS[protocol];
  if (open === undefined) throw new Error(`unknown gateway protocol '${protocol}' (known: ${known()})`);
  // The map is validated before any connection: a mistake in the file is said at once.
  const { map, gateway } = await open(flags.points);
  const logger = context.loggers.logger('gateway');
  const platform = connectPlatform(context.config, await resolveEndpoints(context.config), logger);
  try {
    await prepareTopics(platform);
    const publish: PublishDeps = {
      producer: await platform.producer(),
      codec: platform.codec,
      names: platform.names,
      logger,
    };
    // A network that is down at start is not fatal: reads fail, points go stale, commands are refused.
    await gateway.connect().catch((error: unknown) => {
      logger.error({ err: error, gatewayId: map.gateway.id }, 'device network not reachable at start');
    });
    const runner = await runGateway({ publish }, map, gateway);
    const executor = await startCommandExecutor({
      publish,
      kafka: platform.kafka,
      gateway,
      gatewayId: map.gateway.id,
      mode: map.gateway.mode,
      points: executorPointsOf(map),
      isFresh: (pointId, now) => runner.isFresh(pointId, now),
      tickMs: flags.tickMs,
    });
    context.say(
      `Gateway ${map.gateway.id} (${protocol}, ${map.gateway.mode}) running ${map.points.length} point(s); stop with Ctrl+C.`,
    );
    const health = setInterval(
      () => logHealth(logger, map, gateway, runner, executor),
      flags.healthSeconds * 1000,
    );
    const signal = await untilSignal();
    logger.info({ signal }, 'gateway stopping');
    clearInterval(health);
    await executor.stop();
    await runner.stop();
    await gateway.close().catch((error: unknown) => logger.warn({ err: error }, 'gateway close failed'));
  } finally {
    await platform.close();
  }
}

/** Topics and schemas only: a gateway writes to Kafka and reads none of the read models. */
async function prepareTopics(platform: Platform): Promise<void> {
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, platform.names);
  } finally {
    await admin.disconnect();
  }
  await platform.codec.registerAll();
}

function logHealth(
  logger: Logger,
  map: GatewayPointMap,
  gateway: Gateway,
  runner: Awaited<ReturnType<typeof runGateway>>,
  executor: Awaited<ReturnType<typeof startCommandExecutor>>,
): void {
  const now = new Date();
  const stale = map.points.filter((p) => !runner.isFresh(p.pointId, now)).map((p) => p.pointId);
  logger.info(
    {
      gatewayId: map.gateway.id,
      device: gateway.health(),
      stale,
      runner: runner.totals(),
      executor: executor.stats(),
    },
    'gateway health',
  );
}

/** `eaio gateway`: the device side of the platform (Modbus TCP, BACnet/IP). */
export function addGatewayCommand(program: Command, context: CommandContext): void {
  const gateway = program
    .command('gateway')
    .description(
      'Run a device gateway: register its points, poll them onto the platform, write accepted commands to its setpoints.',
    )
    // Not requiredOption: commander would demand it of `gateway simulate-modbus` too.
    .option('--points <file>', 'the point map (JSON): gateway section and points (required)')
    .option('--protocol <name>', "protocol of the map; 'auto' reads gateway.protocol", 'auto')
    .option('--health-seconds <n>', 'seconds between health lines', positive, 30)
    .option('--tick-ms <n>', 'how often expiries, heartbeats and schedule edges are checked', positive, 1000)
    .action(async (opts: { points?: string; protocol: string; healthSeconds: number; tickMs: number }) => {
      if (opts.points === undefined) gateway.error("error: required option '--points <file>' not specified");
      else await gatewayCommand(context, { ...opts, points: opts.points });
    });
  gateway
    .command('simulate-modbus')
    .description(
      'Run the simulated Modbus TCP plant on loopback (setpoints, zone temperature, lighting, meter).',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0: any free one)', (v) => Number(v), 5020)
    .option('--zones <n>', 'zones of the plant', positive, 1)
    .option('--write-points <file>', "write a points file for the plant's registers")
    .option('--gateway-id <id>', 'gateway id in the written points file', 'modbus-gw:sim')
    .option('--building-id <id>', 'building of the written points', 'sim-building')
    .option('--mode <mode>', 'mode in the written points file (read-only | read-write)', 'read-only')
    .option('--poll-seconds <n>', 'poll interval in the written points file', positive, 5)
    .action(async (opts: SimulateModbusFlags) => {
      if (opts.mode !== 'read-only' && opts.mode !== 'read-write')
        gateway.error(`error: --mode must be read-only or read-write, not '${String(opts.mode)}'`);
      await simulateModbusCommand(context, opts);
    });
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}
