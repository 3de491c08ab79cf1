import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import type { EaioConfig } from '../config/index.ts';
import { StackError } from './errors.ts';
import { choosePort, urlHostPort } from './network.ts';
import type { StackPaths } from './paths.ts';
import {
  type ChildEnv,
  isAlive,
  isOurProcess,
  readPidRecord,
  removePidRecord,
  runTool,
  terminate,
  writePidRecord,
} from './process-control.ts';
import { tailFile, waitUntilReady } from './readiness.ts';

export const POSTGRES = 'postgres';

export function postgresPaths(paths: StackPaths) {
  return {
    data: join(paths.data, 'postgres'),
    // Outside the data dir so an interrupted initdb (no marker) is wiped and redone.
    initializedMarker: join(paths.data, 'postgres.initialized'),
    socketDir: join(paths.run, 'postgres-socket'),
    logFile: join(paths.logs, 'postgres.log'),
    endpointFile: join(paths.run, 'postgres.endpoint'),
  };
}

type Probe = { answers: boolean; databaseExists: boolean; refusal?: string };

/**
 * Connects to `url` and runs `select 1`. A server that replies with any SQLSTATE (say, the
 * configured database does not exist yet, or the role is unknown) still counts as answering: it is
 * a PostgreSQL server, and starting a second one next to it would only hide the problem.
 */
export async function probePostgres(url: string, timeoutMs = 1_500): Promise<Probe> {
  const direct = await trySelect(url, timeoutMs);
  if (direct === true) return { answers: true, databaseExists: true };
  if (direct.code === '3D000') {
    const viaMaintenance = await trySelect(maintenanceUrl(url), timeoutMs);
    return { answers: viaMaintenance === true, databaseExists: false };
  }
  if (direct.code === undefined || direct.code === '57P03') return { answers: false, databaseExists: false };
  return { answers: true, databaseExists: false, refusal: `${direct.code} ${direct.message}` };
}

async function trySelect(url: string, timeoutMs: number): Promise<true | { code?: string; message: string }> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    // SQLSTATEs are five characters; errno strings such as ECONNREFUSED mean nothing answered.
    return { ...(code && /^[0-9A-Z]{5}$/.test(code) ? { code } : {}), message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function maintenanceUrl(url: string, user?: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/postgres';
  if (user) {
    parsed.username = user;
    parsed.password = '';
  }
  return parsed.toString();
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Creates the database named in `url` when `pg_database` lacks it. */
export async function ensureDatabase(url: string, log: (line: string) => void): Promise<void> {
  const name = databaseName(url);
  if (name === '' || name === 'postgres') return;
  const client = new Client({ connectionString: maintenanceUrl(url), connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      log(`postgres: creating database ${name}`);
      await client.query(`create database ${quoteIdent(name)}`).catch((error: { code?: string }) => {
        // 42P04: created concurrently by someone else, which is what we wanted.
        if (error.code !== '42P04') throw error;
      });
    }
  } catch (error) {
    throw new StackError(
      'postgres',
      'STACK_START_FAILED',
      'permanent',
      `cannot create database ${name}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Pid and effective URL of the postmaster this state folder started, when it still runs. */
export async function managedPostgres(paths: StackPaths): Promise<{ pid: number; url: string } | undefined> {
  const pp = postgresPaths(paths);
  const record = await readPidRecord(paths.run, POSTGRES);
  if (!record) return undefined;
  if (!(await isOurProcess(record.pid, record.marker)) || !existsSync(pp.endpointFile)) {
    await removePidRecord(paths.run, POSTGRES);
    return undefined;
  }
  return { pid: record.pid, url: (await readFile(pp.endpointFile, 'utf8')).trim() };
}

/**
 * Uses the configured PostgreSQL when it answers; otherwise initialises (once) and starts a local
 * cluster from the system binaries. Either way the configured database is created when missing.
 */
export async function ensurePostgres(
  config: EaioConfig,
  paths: StackPaths,
  opts: { log: (line: string) => void; env: ChildEnv; readyTimeoutMs?: number },
): Promise<{ url: string; managed: boolean; pid?: number }> {
  const configured = config.postgres.url;
  const running = await managedPostgres(paths);
  // Ours may listen on the configured URL itself, so ask about ours before calling anything external.
  if (running) {
    const probe = await probePostgres(running.url);
    if (probe.answers && probe.databaseExists) return { ...running, managed: true };
  } else {
    const probe = await probePostgres(configured);
    if (probe.refusal) {
      throw new StackError(
        'postgres',
        'STACK_START_FAILED',
        'permanent',
        `${configured} answers but refuses us: ${probe.refusal}`,
      );
    }
    if (probe.answers) {
      if (!probe.databaseExists) await ensureDatabase(configured, opts.log);
      return { url: configured, managed: false };
    }
  }
  const pp = postgresPaths(paths);
  const managed = running ?? (await startPostgres(config, paths, opts));
  await waitUntilReady({
    service: 'postgres',
    what: `postgres ${managed.url}`,
    // As the initdb superuser: the role named in the URL may not exist until ensureRole below.
    check: async () => (await trySelect(maintenanceUrl(managed.url, 'postgres'), 1_500)) === true,
    logFile: pp.logFile,
    pid: managed.pid,
    ...(opts.readyTimeoutMs ? { timeoutMs: opts.readyTimeoutMs } : {}),
  });
  await ensureRole(managed.url, opts.log);
  await ensureDatabase(managed.url, opts.log);
  return { url: managed.url, managed: true, pid: managed.pid };
}

async function startPostgres(
  config: EaioConfig,
  paths: StackPaths,
  opts: { log: (line: string) => void; env: ChildEnv; readyTimeoutMs?: number },
): Promise<{ pid: number; url: string }> {
  const pp = postgresPaths(paths);
  const bin = await findPostgresBin(opts.env);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await postgresOsUser(opts.env) : undefined;
  const run = (tool: string, args: string[]) =>
    runTool(
      owner ? 'runuser' : join(bin, tool),
      owner ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args,
      { env: opts.env, cwd: pp.data, timeoutMs: (opts.readyTimeoutMs ?? 120_000) + 30_000 },
    );

  await mkdir(paths.data, { recursive: true });
  await mkdir(paths.logs, { recursive: true });
  await mkdir(pp.socketDir, { recursive: true });
  if (owner) await letPostgresThrough(paths, opts.env);
  if (!existsSync(pp.initializedMarker)) {
    opts.log(`postgres: initdb ${pp.data}`);
    await rm(pp.data, { recursive: true, force: true });
    await mkdir(pp.data, { recursive: true, mode: 0o700 });
    if (owner) await chown(pp.data, owner.uid, owner.gid);
    try {
      await run('initdb', [
        '-D',
        pp.data,
        '-U',
        'postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--no-instructions',
      ]);
    } catch (error) {
      throw new StackError(
        'postgres',
        'STACK_START_FAILED',
        'permanent',
        `initdb failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    await writeFile(pp.initializedMarker, `${new Date().toISOString()}\n`);
  }
  if (!existsSync(pp.logFile)) await writeFile(pp.logFile, '');
  if (owner) {
    // pg_ctl runs as postgres and must write the log, the socket and every file of the cluster.
    await chownTree(pp.data, owner.uid, owner.gid);
    await chown(pp.logFile, owner.uid, owner.gid);
    await chown(pp.socketDir, owner.uid, owner.gid);
  }

  await removeStaleLockFiles(pp, opts.log);
  const { port: preferred } = urlHostPort(config.postgres.url, 5432);
  const port = await choosePort('127.0.0.1', preferred);
  const url = new URL(config.postgres.url);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  opts.log(
    `postgres: ${config.postgres.url} does not answer; starting a local server on 127.0.0.1:${port} (log ${pp.logFile})`,
  );
  const timeoutS = Math.ceil((opts.readyTimeoutMs ?? 120_000) / 1000);
  try {
    await run('pg_ctl', [
      '-D',
      pp.data,
      '-l',
      pp.logFile,
      '-w',
      '-t',
      String(timeoutS),
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${pp.socketDir}`,
      'start',
    ]);
  } catch (error) {
    throw new StackError(
      'postgres',
      'STACK_NOT_READY',
      'transient',
      `pg_ctl start failed: ${(error as Error).message}. Log: ${pp.logFile}\n--- last lines of ${pp.logFile} ---\n${await tailFile(pp.logFile)}`,
      { cause: error },
    );
  }
  const pid = Number.parseInt(
    (await readFile(join(pp.data, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '',
    10,
  );
  await writeFile(pp.endpointFile, `${url.toString()}\n`);
  await writePidRecord(paths.run, POSTGRES, { pid, marker: pp.data });
  return { pid, url: url.toString() };
}

/**
 * True when `pid` is a running postmaster of the data folder `data`: alive (a zombie is not) and
 * working in that folder (a postmaster's working directory is its data folder). False for a pid
 * that died or was reused by another process since the lock file was written.
 */
async function isPostmasterOf(pid: number, data: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0 || !(await isAlive(pid))) return false;
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  return cwd !== undefined && cwd === (await realpath(data).catch(() => data));
}

/**
 * Removes `postmaster.pid` and the socket lock files left by a postmaster that no longer runs.
 *
 * After a crash (kill -9, OOM kill, power loss in a container) PostgreSQL refuses to start while
 * the pid in its lock file looks alive: it asks with kill(pid, 0), which also succeeds for a zombie
 * and for an unrelated process that reused the pid. A postmaster is a daemon whose parent is PID 1,
 * and a container's PID 1 often does not reap orphans (this machine's does not), so the killed
 * postmaster stays a zombie for good and `pg_ctl start` fails with "lock file postmaster.pid already
 * exists" until someone deletes the file by hand. The files are only removed when their pid is not
 * a live postmaster of this data folder, so a running cluster is never touched.
 */
async function removeStaleLockFiles(
  pp: ReturnType<typeof postgresPaths>,
  log: (line: string) => void,
): Promise<void> {
  const locks = [join(pp.data, 'postmaster.pid')];
  for (const name of await readdir(pp.socketDir).catch(() => [] as string[]))
    if (/^\.s\.PGSQL\.\d+\.lock$/.test(name)) locks.push(join(pp.socketDir, name));
  for (const lock of locks) {
    const text = await readFile(lock, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    // Both files start with the pid; a socket lock's pid is the postmaster's too.
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    if (await isPostmasterOf(pid, pp.data)) continue;
    log(`postgres: removing ${lock} left by pid ${pid}, which is no longer a running postmaster (a crash)`);
    await rm(lock, { force: true });
  }
}

/**
 * Stops the local cluster with `pg_ctl stop -m fast` (falls back to signals when pg_ctl is gone).
 * A no-op when the recorded postmaster is not ours any more.
 */
export async function stopPostgres(
  paths: StackPaths,
  env: ChildEnv,
  log: (line: string) => void,
): Promise<boolean> {
  const managed = await managedPostgres(paths);
  if (!managed) return false;
  const pp = postgresPaths(paths);
  log(`postgres: stopping pid ${managed.pid}`);
  try {
    const bin = await findPostgresBin(env);
    const owner = process.getuid?.() === 0 ? await postgresOsUser(env) : undefined;
    const args = ['-D', pp.data, '-m', 'fast', '-w', '-t', '60', 'stop'];
    await runTool(
      owner ? 'runuser' : join(bin, 'pg_ctl'),
      owner ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...args] : args,
      { env, cwd: pp.data, timeoutMs: 90_000 },
    );
  } catch {
    await terminate(managed.pid, 30_000);
  }
  await removePidRecord(paths.run, POSTGRES);
  return true;
}

/** When the URL names a role other than the initdb superuser, create it (trust auth, local only). */
async function ensureRole(url: string, log: (line: string) => void): Promise<void> {
  const user = decodeURIComponent(new URL(url).username);
  if (user === '' || user === 'postgres') return;
  const client = new Client({
    connectionString: maintenanceUrl(url, 'postgres'),
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const found = await client.query('select 1 from pg_roles where rolname = $1', [user]);
    if (found.rowCount === 0) {
      log(`postgres: creating role ${user}`);
      await client.query(`create role ${quoteIdent(user)} login superuser`);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Directory holding initdb and pg_ctl: PATH first, then the highest /usr/lib/postgresql/<v>/bin. */
async function findPostgresBin(env: ChildEnv): Promise<string> {
  const candidates: string[] = [];
  const onPath = await runTool('sh', ['-c', 'command -v pg_ctl'], { env }).catch(() => '');
  if (onPath.trim() !== '') candidates.push(join(onPath.trim(), '..'));
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .forEach((v) => {
      candidates.push(`/usr/lib/postgresql/${v}/bin`);
    });
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) {
    throw new StackError(
      'postgres',
      'STACK_MISSING_BINARY',
      'permanent',
      'no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin: install the Debian package "postgresql" or point EAIO_POSTGRES_URL at a running server',
    );
  }
  return found;
}

/** PostgreSQL refuses to run as root, so as root we run it as the `postgres` OS user. */
async function postgresOsUser(env: ChildEnv): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = (await runTool('sh', ['-c', 'id -u postgres && id -g postgres'], { env }))
      .trim()
      .split('\n');
    return { uid: Number(uid), gid: Number(gid) };
  } catch (error) {
    throw new StackError(
      'postgres',
      'STACK_MISSING_BINARY',
      'permanent',
      'running as root but there is no "postgres" OS user to run the server as (install the Debian package "postgresql", which creates it)',
      { cause: error },
    );
  }
}

/**
 * The postgres OS user must traverse every folder down to the data dir. Folders of the state dir
 * may be private (mkdtemp makes 0700 folders), so grant search permission there; anything above
 * it is the user's business, and we only report it.
 */
async function letPostgresThrough(paths: StackPaths, env: ChildEnv): Promise<void> {
  for (const dir of [paths.root, paths.data, paths.logs, paths.run]) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o777) | 0o001);
  }
  try {
    await runTool('runuser', ['-u', 'postgres', '--', 'test', '-x', paths.data], { env });
  } catch (error) {
    throw new StackError(
      'postgres',
      'STACK_START_FAILED',
      'permanent',
      `the "postgres" OS user cannot reach ${paths.data}: make its parent folders searchable (chmod o+x) or choose another stateDir`,
      { cause: error },
    );
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid).catch(() => undefined);
  }
}
