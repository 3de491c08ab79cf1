import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../infra/stack/network.ts';
import { probeRedis } from '../../../infra/stack/redis-service.ts';
import { waitFor } from '../../support/wait-for.ts';

/** A redis-server of the test's own on a free port, without persistence, that it may kill. */
export interface RedisServer {
  readonly url: string;
  /** SIGKILL: no save, nothing kept (it persists nothing anyway). */
  kill(): Promise<void>;
  /** Starts a fresh, empty redis-server on the same port and waits until it answers PING. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts `redis-server` with no RDB snapshots and no AOF, so a restart comes back empty. */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'eaio-fault-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    });
    started.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    });
    await waitFor(
      `redis-server on ${url}`,
      async () => {
        if (started.exitCode !== null) throw new Error(`redis-server exited ${started.exitCode}: ${output}`);
        return (await probeRedis(url)) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  };

  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url,
    kill,
    start,
    async dispose() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
