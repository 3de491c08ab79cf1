import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../../infra/config/index.ts';
import { freePort } from '../../../infra/stack/network.ts';
import { type StackPaths, stackPaths } from '../../../infra/stack/paths.ts';
import { ensurePostgres, stopPostgres } from '../../../infra/stack/postgres-service.ts';
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
