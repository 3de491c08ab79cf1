import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { EaioConfig } from '../config/index.ts';
import { StackError } from './errors.ts';
import { choosePort, urlHostPort } from './network.ts';
import type { StackPaths } from './paths.ts';
import { type ChildEnv, runningPid, spawnDetached } from './process-control.ts';
import { waitUntilReady } from './readiness.ts';

export const REDIS = 'redis';

export function redisPaths(paths: StackPaths) {
  return {
    data: join(paths.data, 'redis'),
    logFile: join(paths.logs, 'redis.log'),
    endpointFile: join(paths.run, 'redis.endpoint'),
  };
}

/** True when `url` answers PING with PONG. */
export async function probeRedis(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Pid and effective URL of the redis-server this state folder started, when it still runs. */
export async function managedRedis(paths: StackPaths): Promise<{ pid: number; url: string } | undefined> {
  const pid = await runningPid(paths.run, REDIS);
  const { endpointFile } = redisPaths(paths);
  if (pid === undefined || !existsSync(endpointFile)) return undefined;
  return { pid, url: (await readFile(endpointFile, 'utf8')).trim() };
}

/**
 * Uses the configured Redis when it answers; otherwise starts `redis-server` from the system on the
 * configured port when free (else any free port) and returns the effective URL.
 */
export async function ensureRedis(
  config: EaioConfig,
  paths: StackPaths,
  opts: { log: (line: string) => void; env: ChildEnv; readyTimeoutMs?: number },
): Promise<{ url: string; managed: boolean; pid?: number }> {
  const configured = config.redis.url;
  let managed = await managedRedis(paths);
  // Ours may listen on the configured URL itself, so ask about ours before calling anything external.
  if (managed && (await probeRedis(managed.url))) return { ...managed, managed: true };
  if (managed === undefined && (await probeRedis(configured))) return { url: configured, managed: false };
  const rp = redisPaths(paths);
  if (managed === undefined) {
    const parsed = new URL(configured);
    const { port: preferred } = urlHostPort(configured, 6379);
    const port = await choosePort('127.0.0.1', preferred);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(port);
    const url = parsed.toString();
    await mkdir(rp.data, { recursive: true });
    opts.log(
      `redis: ${configured} does not answer; starting redis-server on 127.0.0.1:${port} (log ${rp.logFile})`,
    );
    const password = decodeURIComponent(parsed.password);
    let pid: number;
    try {
      pid = await spawnDetached({
        name: REDIS,
        command: 'redis-server',
        args: [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          rp.data,
          '--daemonize',
          'no',
          // Keeps argv (and so our --dir marker) visible in /proc/<pid>/cmdline.
          '--set-proc-title',
          'no',
          '--save',
          '60 1',
          ...(password ? ['--requirepass', password] : []),
        ],
        logFile: rp.logFile,
        runDir: paths.run,
        marker: rp.data,
        cwd: rp.data,
        env: opts.env,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new StackError(
          'redis',
          'STACK_MISSING_BINARY',
          'permanent',
          `${configured} does not answer and redis-server is not installed: install the Debian package "redis-server" or point EAIO_REDIS_URL at a running Redis`,
          { cause: error },
        );
      }
      throw error;
    }
    await writeFile(rp.endpointFile, `${url}\n`);
    managed = { pid, url };
  }
  const { pid, url } = managed;
  await waitUntilReady({
    service: 'redis',
    what: `redis ${url}`,
    check: () => probeRedis(url),
    logFile: rp.logFile,
    pid,
    ...(opts.readyTimeoutMs ? { timeoutMs: opts.readyTimeoutMs } : {}),
  });
  return { url, managed: true, pid };
}
