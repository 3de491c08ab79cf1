import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresPaths } from '../../infra/stack/postgres-service.ts';
import { type KillablePostgres, startKillablePostgres } from '../faults/support/own-services.ts';

// A postmaster killed with kill -9 leaves postmaster.pid behind, and where PID 1 does not reap
// orphans (a container's init often does not) the killed daemon stays a zombie whose pid still
// answers kill(pid, 0): PostgreSQL then refuses to start until the lock file is deleted by hand.
describe('the stack starts a local PostgreSQL again after a crash', () => {
  let cluster: KillablePostgres | undefined;

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('on the same data and port, committed rows kept, with no manual step', async () => {
    cluster = await startKillablePostgres('eaio_crash_test');
    const c = cluster;
    const client = new pg.Client({ connectionString: c.url });
    await client.connect();
    await client.query('CREATE TABLE kept (n int)');
    await client.query('INSERT INTO kept VALUES (1), (2), (3)');
    await client.end();

    const killed = await c.kill();
    expect(killed.length).toBeGreaterThan(1);
    // What the crash left: the lock file, naming a pid that is gone (or a zombie).
    expect(existsSync(join(postgresPaths(c.paths).data, 'postmaster.pid'))).toBe(true);

    await c.start();
    const after = new pg.Client({ connectionString: c.url });
    await after.connect();
    try {
      const { rows } = await after.query<{ n: number }>('SELECT count(*)::int AS n FROM kept');
      expect(rows[0]?.n).toBe(3);
    } finally {
      await after.end();
    }
  });
});
