import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../../infra/config/index.ts';
import { freePort } from '../../../infra/stack/network.ts';
import { type StackPaths, stackPaths } from '../../../infra/stack/paths.ts';
import { ensurePostgres, stopPostgres } from '../../../infra/stack/postgres-service.ts';
import { waitForExit } from '../../../infra/stack/process-control.ts';
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

/** A PostgreSQL cluster of the test's own, on disk (no tmpfs), that it may kill and start again. */
export interface KillablePostgres {
  /** Connection URL (superuser `postgres`, trust auth on loopback). */
  readonly url: string;
  readonly paths: StackPaths;
  /** SIGKILLs the postmaster and every backend and auxiliary process at once, as a crash would; returns their pids. */
  kill(): Promise<number[]>;
  /** Starts the cluster again on the same data folder and port (crash recovery runs) and waits until it answers. */
  start(): Promise<void>;
  /** Stops it (immediately when it runs) and removes its folder. */
  stop(): Promise<void>;
}

/** Direct children of `pid`, from /proc (the kernel's own list, so no `ps` parsing). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
}

/**
 * SIGKILLs a postmaster and its children at once. The postmaster is stopped first, so it forks no
 * backend between the listing of its children and the kill: one left running would hold the
 * shared memory and the restart would rightly refuse to start.
 */
export async function killPostmaster(pid: number): Promise<number[]> {
  process.kill(pid, 'SIGSTOP');
  const victims = [pid, ...(await childrenOf(pid))];
  for (const p of victims) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Gone already: exactly what was wanted.
    }
  }
  // A zombie counts as gone (isAlive): killed daemons stay zombies where PID 1 does not reap them.
  for (const p of victims) await waitForExit(p, 10_000);
  return victims;
}

/**
 * Initialises and starts a PostgreSQL cluster in a temp state folder on a free port with the
 * project's stack code (`ensurePostgres`, as `eaio stack up` would), which a scenario may kill -9
 * and start again on the same data.
 */
export async function startKillablePostgres(database: string): Promise<KillablePostgres> {
  const stateDir = await mkdtemp(join(tmpdir(), 'eaio-fault-pg-'));
  const config = configSchema.parse({
    stateDir,
    postgres: { url: `postgres://postgres@127.0.0.1:${await freePort()}/${database}` },
  });
  const paths = stackPaths(config);
  const ensure = () => ensurePostgres(config, paths, { log, env: process.env, readyTimeoutMs: 60_000 });
  let first: { url: string; pid?: number | undefined };
  try {
    first = await ensure();
  } catch (error) {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  let pid = first.pid;
  return {
    url: first.url,
    paths,
    async kill() {
      if (pid === undefined) return [];
      const victims = await killPostmaster(pid);
      pid = undefined;
      return victims;
    },
    async start() {
      const started = await ensure();
      if (started.url !== first.url)
        throw new Error(`the cluster came back on ${started.url}, not ${first.url}`);
      pid = started.pid;
    },
    async stop() {
      if (pid !== undefined) await stopPostgres(paths, process.env, log).catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
