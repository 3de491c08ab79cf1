import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { configSchema, type EaioConfig, loadConfig } from '../../../infra/config/index.ts';
import { ensureKafka, KAFKA, kafkaPaths, kafkaPid } from '../../../infra/stack/kafka-service.ts';
import { freePort } from '../../../infra/stack/network.ts';
import { type StackPaths, stackPaths } from '../../../infra/stack/paths.ts';
import { ensurePostgres, stopPostgres } from '../../../infra/stack/postgres-service.ts';
import { stopRecorded } from '../../../infra/stack/process-control.ts';
import { mountTmpfs, type Tmpfs } from './tmpfs.ts';

const log = (line: string) => process.stderr.write(`[fault-stack] ${line}\n`);

/** A service of the fault scenario's own, with its data on a small tmpfs, started by the project's stack code. */
export interface OwnService {
  readonly stateDir: string;
  readonly paths: StackPaths;
  readonly disk: Tmpfs;
  /** Stops the service, unmounts the disk and removes the state folder; safe after a failed start. */
  stop(): Promise<void>;
}

export interface OwnPostgres extends OwnService {
  readonly url: string;
}

/**
 * Initialises and starts a PostgreSQL cluster whose whole data folder is a `sizeMb` tmpfs, on a free
 * port, in a temp state folder (`infra/stack/postgres-service.ts`, as `eaio stack up` would).
 */
export async function startOwnPostgres(database: string, sizeMb: number): Promise<OwnPostgres> {
  const stateDir = await mkdtemp(join(tmpdir(), 'eaio-disk-pg-'));
  const config = configSchema.parse({
    stateDir,
    postgres: { url: `postgres://postgres@127.0.0.1:${await freePort()}/${database}` },
  });
  const paths = stackPaths(config);
  await mkdir(paths.data, { recursive: true });
  const disk = await mountTmpfs(paths.data, sizeMb);
  const stop = async () => {
    await stopPostgres(paths, process.env, log).catch(() => undefined);
    await disk.unmount();
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    const started = await ensurePostgres(config, paths, { log, env: process.env });
    return { stateDir, paths, disk, url: started.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface OwnKafka extends OwnService {
  readonly brokers: string[];
  /** Times the supervisor found the broker gone and started it again. */
  restarts(): number;
}

/**
 * One KRaft broker (`infra/stack/kafka-service.ts`) on free ports, its log dir a `sizeMb` tmpfs, in
 * a temp state folder; the jars are linked from the dev stack's state folder when it has them.
 *
 * Kafka halts a broker whose only log dir fails ("Shutdown broker because all log dirs ... have
 * failed"), and a full disk fails it. What brings it back in production is the service manager's
 * restart policy (systemd `Restart=on-failure`, a Kubernetes pod restart), not a person: the
 * supervisor here plays that part, restarting the broker whenever its process is gone, with a back-off.
 */
export async function startOwnKafka(sizeMb: number): Promise<OwnKafka> {
  const stateDir = await mkdtemp(join(tmpdir(), 'eaio-disk-kafka-'));
  const config: EaioConfig = configSchema.parse({
    stateDir,
    kafka: { brokers: [`127.0.0.1:${await freePort()}`] },
    stack: { kafkaControllerPort: await freePort(), javaHeap: '256m' },
  });
  const paths = stackPaths(config);
  const kp = kafkaPaths(config, paths);
  const shared = kafkaPaths(config, stackPaths(loadConfig(process.env))).lib;
  await mkdir(paths.lib, { recursive: true });
  if (existsSync(shared)) await symlink(shared, kp.lib);
  await mkdir(kp.data, { recursive: true });
  const disk = await mountTmpfs(kp.data, sizeMb);
  let supervising = true;
  let restarts = 0;
  let supervisor: Promise<void> = Promise.resolve();
  const stop = async () => {
    supervising = false;
    await supervisor;
    await stopRecorded(paths.run, KAFKA, 60_000).catch(() => undefined);
    await disk.unmount();
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await ensureKafka(config, paths, { log, env: process.env });
  } catch (error) {
    await stop();
    throw error;
  }
  supervisor = (async () => {
    let backoffMs = 500;
    while (supervising) {
      await delay(250);
      if (!supervising || (await kafkaPid(paths)) !== undefined) continue;
      log(`kafka: broker gone; restarting (backoff ${backoffMs} ms)`);
      restarts++;
      try {
        await ensureKafka(config, paths, { log, env: process.env, readyTimeoutMs: 120_000 });
        backoffMs = 500;
      } catch (error) {
        log(`kafka: restart failed: ${(error as Error).message.split('\n')[0]}`);
        await stopRecorded(paths.run, KAFKA, 10_000).catch(() => undefined);
        await delay(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
      }
    }
  })();
  return { stateDir, paths, disk, brokers: config.kafka.brokers, restarts: () => restarts, stop };
}
