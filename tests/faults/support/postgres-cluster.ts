import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../../infra/config/index.ts';
import { freePort } from '../../../infra/stack/network.ts';
import { stackPaths } from '../../../infra/stack/paths.ts';
import { ensurePostgres, postgresPaths, stopPostgres } from '../../../infra/stack/postgres-service.ts';
import { waitForExit } from '../../../infra/stack/process-control.ts';

/** A PostgreSQL cluster of the test's own, in a temp folder on a free port, that it may kill. */
export interface PostgresCluster {
  /** Connection URL (database `eaio`, superuser `postgres`, trust auth on loopback). */
  readonly url: string;
  /** SIGKILLs the postmaster and every backend and auxiliary process at once, as a crash would. */
  kill(): Promise<number[]>;
  /** Starts the cluster again on the same data folder and port (crash recovery runs) and waits until it answers. */
  start(): Promise<void>;
  /** Stops it (immediately) and removes its folder. */
  dispose(): Promise<void>;
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
 * initdb's and starts a cluster with the project's own stack code (`ensurePostgres`: as the
 * `postgres` OS user when root), configured on a free port so nothing else is on it.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const root = await mkdtemp(join(tmpdir(), 'eaio-fault-pg-'));
  const port = await freePort();
  const config = configSchema.parse({
    stateDir: root,
    postgres: { url: `postgresql://postgres@127.0.0.1:${port}/eaio` },
  });
  const paths = stackPaths(config);
  const log = (): void => undefined;
  const ensure = () => ensurePostgres(config, paths, { log, env: process.env, readyTimeoutMs: 60_000 });
  const first = await ensure();
  let pid = first.pid;
  return {
    url: first.url,
    async kill() {
      if (pid === undefined) return [];
      // Stopped first, so it forks no backend between reading its children and the kill: one left
      // running would hold the shared memory and the restart would refuse to start.
      process.kill(pid, 'SIGSTOP');
      const victims = [pid, ...(await childrenOf(pid))];
      for (const p of victims) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Gone already: exactly what was wanted.
        }
      }
      for (const p of victims) await waitForExit(p, 10_000);
      pid = undefined;
      return victims;
    },
    async start() {
      const started = await ensure();
      if (started.url !== first.url)
        throw new Error(`the cluster came back on ${started.url}, not ${first.url}`);
      pid = started.pid;
    },
    async dispose() {
      if (pid !== undefined) await stopPostgres(paths, process.env, log).catch(() => undefined);
      const dataPid = await readFile(join(postgresPaths(paths).data, 'postmaster.pid'), 'utf8').catch(
        () => '',
      );
      const stray = Number.parseInt(dataPid.split('\n')[0] ?? '', 10);
      if (Number.isInteger(stray) && stray > 0 && pid !== undefined) {
        try {
          process.kill(stray, 'SIGKILL');
        } catch {
          // Not running.
        }
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
