import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, type EaioConfig, loadConfig } from '../../../infra/config/index.ts';
import { ensureKafka, type KafkaRoute, kafkaPid } from '../../../infra/stack/kafka-service.ts';
import { stackPaths } from '../../../infra/stack/paths.ts';
import { terminate, waitForExit } from '../../../infra/stack/process-control.ts';
import { mountTmpfs, type Tmpfs } from './tmpfs.ts';

/** A single KRaft node of a fault scenario's own, in a temp state folder, on ports free at start. */
export interface PrivateBroker {
  /** Bootstrap address clients use: the advertised one (the proxy's, when routed through one). */
  readonly brokers: readonly string[];
  /** The broker's own client listener, behind any proxy. */
  readonly listener: { readonly host: string; readonly port: number };
  readonly stateDir: string;
  readonly logFile: string;
  /** The tmpfs under the broker's log dir, when started with `logDirMb`. */
  readonly disk: Tmpfs | undefined;
  /** Pid of the running JVM; undefined while stopped. */
  pid(): Promise<number | undefined>;
  /** SIGKILL (a crash: no controlled shutdown, log recovery on restart) or SIGTERM (a controlled shutdown). */
  stop(how: 'kill' | 'term'): Promise<void>;
  /** Starts it again on the same data, ports and route; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and removes the state folder. */
  dispose(): Promise<void>;
}

/** A port the OS just handed out on 127.0.0.1 (closed again, so the broker can bind it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a broker of the scenario's own through the stack manager (`ensureKafka`), never touching the
 * shared one: a temp state folder whose `lib` links to the project state folder's jars (fetched there
 * once), its own listener, controller and, with `advertise`, inter-broker ports. `advertise` receives
 * the listener port and returns the address clients must be told, e.g. a fault proxy's in front of it.
 */
export async function startPrivateBroker(
  opts: {
    advertise?: (listener: { host: string; port: number }) => Promise<{ host: string; port: number }>;
    log?: (line: string) => void;
    /** Puts the broker's log dir on a tmpfs of this many MiB (root only), a disk a test can fill. */
    logDirMb?: number;
  } = {},
): Promise<PrivateBroker> {
  const stateDir = await mkdtemp(join(tmpdir(), 'eaio-fault-broker-'));
  let disk: Tmpfs | undefined;
  try {
    // The shared jars: a fresh folder would otherwise copy 100 MB of them from the Maven cache each time.
    const shared = stackPaths(loadConfig(process.env));
    await mkdir(shared.lib, { recursive: true });
    await symlink(shared.lib, join(stateDir, 'lib'), 'dir');
    const listener = { host: '127.0.0.1', port: await freePort() };
    const config: EaioConfig = configSchema.parse({
      stateDir,
      kafka: { brokers: [`${listener.host}:${listener.port}`] },
      // Small: the machine has two cores and 24 GB shared by everyone's tests.
      stack: { kafkaControllerPort: await freePort(), javaHeap: '384m' },
    });
    const advertised = opts.advertise ? await opts.advertise(listener) : undefined;
    const route: KafkaRoute | undefined = advertised
      ? { advertised, interBrokerPort: await freePort() }
      : undefined;
    const paths = stackPaths(config);
    if (opts.logDirMb !== undefined) {
      // The single node's log dir (`kafka-layout.ts`); formatted by the first start like any other.
      const logDir = join(paths.data, 'kafka');
      await mkdir(logDir, { recursive: true });
      disk = await mountTmpfs(logDir, opts.logDirMb);
    }
    const log = opts.log ?? (() => undefined);
    const start = async () => {
      await ensureKafka(config, paths, {
        log,
        env: process.env,
        readyTimeoutMs: 120_000,
        ...(route ? { route } : {}),
      });
    };
    await start();
    const pid = () => kafkaPid(paths);
    const stop = async (how: 'kill' | 'term') => {
      const running = await pid();
      if (running === undefined) return;
      if (how === 'term') {
        await terminate(running, 60_000);
        return;
      }
      process.kill(running, 'SIGKILL');
      await waitForExit(running, 10_000);
    };
    const addr = advertised ?? listener;
    return {
      brokers: [`${addr.host}:${addr.port}`],
      listener,
      stateDir,
      logFile: join(paths.logs, 'kafka.log'),
      disk,
      pid,
      stop,
      start,
      async dispose() {
        await stop('kill').catch(() => undefined);
        await disk?.unmount().catch(() => undefined);
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // A broker that started before the failure (the pid file says so) must not outlive the test.
    const config = configSchema.parse({ stateDir });
    const running = await kafkaPid(stackPaths(config)).catch(() => undefined);
    if (running !== undefined) process.kill(running, 'SIGKILL');
    await disk?.unmount().catch(() => undefined);
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
}
