import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type EaioConfig } from '../../infra/config/index.ts';
import { readStackEndpoints, stackDown, stackStatus, stackUp } from '../../infra/stack/index.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// Redis and PostgreSQL on unused ports force the "start a local one" path inside a throw-away
// state folder; Kafka and the registry keep the default endpoints (normally the shared dev stack,
// reported as external).
describe('local stack manager', () => {
  let config: EaioConfig;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'eaio-stack-test-'));
    config = configSchema.parse({
      stateDir,
      redis: { url: `redis://127.0.0.1:${await freePort()}` },
      postgres: { url: `postgres://postgres@127.0.0.1:${await freePort()}/eaio_stack_test` },
    });
  }, 10_000);

  afterAll(async () => {
    await stackDown(config);
    await rm(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('starts what does not answer and reports it as running', async () => {
    const endpoints = await stackUp(config);
    expect(endpoints.redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.postgresUrl).toContain('/eaio_stack_test');
    const status = await stackStatus(config);
    const byName = new Map(status.map((s) => [s.name, s]));
    for (const name of ['redis', 'postgres'] as const) {
      expect(byName.get(name)).toMatchObject({ state: 'running', managed: true });
      expect(byName.get(name)?.pid).toBeGreaterThan(1);
    }
    for (const name of ['kafka', 'registry'] as const) {
      expect(byName.get(name)?.state).not.toBe('stopped');
    }
    expect(await readStackEndpoints(config)).toEqual(endpoints);
  }, 300_000);

  it('is idempotent: a second up reuses the same processes', async () => {
    const before = await stackStatus(config);
    const endpoints = await stackUp(config);
    const after = await stackStatus(config);
    expect(after).toEqual(before);
    expect(await readStackEndpoints(config)).toEqual(endpoints);
  }, 60_000);

  it('down stops what up started and ignores a pid file whose pid belongs to another program', async () => {
    await stackDown(config);
    const status = await stackStatus(config);
    expect(status.find((s) => s.name === 'redis')?.state).toBe('stopped');
    expect(status.find((s) => s.name === 'postgres')?.state).toBe('stopped');
    expect(await readStackEndpoints(config)).toBeUndefined();

    // A stale record whose pid now belongs to this very test process must not get us killed.
    const runDir = join(stateDir, 'run');
    await writeFile(join(runDir, 'redis.pid'), `${process.pid}\n`);
    await writeFile(join(runDir, 'redis.marker'), join(stateDir, 'data', 'redis'));
    expect((await stackStatus(config)).find((s) => s.name === 'redis')?.state).toBe('stopped');
    await stackDown(config);
    expect(existsSync(join(runDir, 'redis.pid'))).toBe(false);
  }, 120_000);

  it('comes back up on the data left behind', async () => {
    const endpoints = await stackUp(config);
    expect(await readFile(join(stateDir, 'data', 'postgres.initialized'), 'utf8')).not.toBe('');
    expect(await readStackEndpoints(config)).toEqual(endpoints);
  }, 300_000);
});
