import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { ensureTopics } from '../../schemas/index.ts';
import {
  createBacnetGateway,
  createModbusGateway,
  discoverBacnetNetwork,
  type Gateway,
  type GatewayPointMap,
  loadBacnetPointMap,
  loadModbusPointMap,
  type PublishDeps,
} from '../../sources/index.ts';
import { connectPlatform, type Platform, resolveEndpoints, untilSignal } from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';
import {
  type SimulateBacnetFlags,
  type SimulateModbusFlags,
  simulateBacnetCommand,
  simulateModbusCommand,
} from './gateway-simulate.ts';
import { startGateway } from './gateway-start.ts';

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
    const started = await startGateway({ publish, kafka: platform.kafka, logger }, map, gateway, flags);
    context.say(
      `Gateway ${map.gateway.id} (${protocol}, ${map.gateway.mode}) running ${map.points.length} point(s); stop with Ctrl+C.`,
    );
    const signal = await untilSignal();
    logger.info({ signal }, 'gateway stopping');
    await started.stop();
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
  gateway
    .command('simulate-bacnet')
    .description(
      'Run a simulated BACnet/IP device on loopback UDP (one zone: setpoints, zone temperature, lighting, dimming).',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'UDP port (0: any free one; not 47808 on loopback)', nonNegativePort, 47_809)
    .option('--device-instance <n>', 'BACnet device instance', positive, 4_200)
    .option('--write-points <file>', "write a points file for the device's objects")
    .option('--gateway-id <id>', 'gateway id in the written points file', 'bacnet-gw:sim')
    .option('--building-id <id>', 'building of the written points', 'sim-building')
    .option('--mode <mode>', 'mode in the written points file (read-only | read-write)', 'read-only')
    .option('--poll-seconds <n>', 'poll interval in the written points file', positive, 5)
    .action(async (opts: SimulateBacnetFlags) => {
      if (opts.mode !== 'read-only' && opts.mode !== 'read-write')
        gateway.error(`error: --mode must be read-only or read-write, not '${String(opts.mode)}'`);
      await simulateBacnetCommand(context, opts);
    });
  gateway
    .command('discover')
    .description(
      'Who-Is on a BACnet/IP network, then a draft read-only points file per device that answered (reads only).',
    )
    .requiredOption('--building-id <id>', 'building of the drafted points')
    .option('--out-dir <dir>', 'where the drafts are written (bacnet-<instance>.points.json)', '.')
    .option('--target <host:port>', "one device's address instead of the local broadcast")
    .option('--local-address <ip>', 'interface to bind (default every interface)')
    .option(
      '--local-port <n>',
      'local UDP port (default 47808; 0 with --target when 47808 is taken)',
      nonNegativePort,
    )
    .option('--window-ms <n>', 'how long I-Ams are collected', positive, 3000)
    .action(async (opts: DiscoverFlags) => {
      const result = await discoverBacnetNetwork({
        buildingId: opts.buildingId,
        outDir: opts.outDir,
        windowMs: opts.windowMs,
        ...(opts.target === undefined ? {} : { target: opts.target }),
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
        ...(opts.localPort === undefined ? {} : { localPort: opts.localPort }),
        log: (line) => context.say(line),
      });
      // Non-zero when no device answered or a draft failed, so a script notices.
      if (result.devices.length === 0 || result.failures.length > 0) process.exitCode = 1;
    });
}

interface DiscoverFlags {
  readonly buildingId: string;
  readonly outDir: string;
  readonly target?: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly windowMs: number;
}

function nonNegativePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port 0-65535');
  return n;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number');
  return n;
}
