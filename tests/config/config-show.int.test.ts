import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encryptSecret, parseConfigKey } from '../../infra/config/index.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';

const dir = mkdtempSync(join(tmpdir(), 'eaio-config-show-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npx eaio config show', () => {
  it('prints where each value came from and never a secret', async () => {
    const key = randomBytes(32).toString('base64');
    const redisFile = join(dir, 'redis-url');
    writeFileSync(redisFile, 'redis://:file-secret-9f2@127.0.0.1:6379\n');
    const file = join(dir, 'eaio.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcp: { port: 3999 },
        kafka: { clientId: { $encrypted: encryptSecret('encrypted-client-id', parseConfigKey(key)) } },
      }),
    );
    const env = {
      EAIO_CONFIG_FILE: file,
      EAIO_CONFIG_KEY: key,
      EAIO_POSTGRES_URL: 'postgres://app:env-secret-4b1@db.internal:5432/eaio',
      EAIO_REDIS_URL_FILE: redisFile,
    };
    for (const args of [
      ['config', 'show'],
      ['config', 'show', '--json'],
    ]) {
      const run = spawnEaio([...args, '--set', 'log.levels.projector=debug'], env);
      expect(await run.exited(), run.stderr()).toBe(0);
      const printed = run.stdout() + run.stderr();
      expect(printed).not.toContain('env-secret-4b1');
      expect(printed).not.toContain('file-secret-9f2');
      expect(printed).toContain('db.internal');
      expect(printed).toContain('encrypted-client-id');
      expect(printed).toContain('environment variable EAIO_POSTGRES_URL');
      expect(printed).toContain(`environment variable EAIO_REDIS_URL_FILE (file ${redisFile})`);
      expect(printed).toContain(`config file ${file} ($encrypted)`);
      expect(printed).toContain('flag --set log.levels.projector');
    }
  });

  it('fails with the key and the variable when a value is invalid, without printing a secret', async () => {
    const run = spawnEaio(['config', 'show'], {
      EAIO_CONFIG_FILE: '',
      EAIO_MCP_PORT: 'not-a-port',
      EAIO_POSTGRES_URL: 'postgres://app:env-secret-77c@db/eaio',
    });
    expect(await run.exited()).toBe(1);
    expect(run.stderr()).toContain('mcp.port (from environment variable EAIO_MCP_PORT)');
    expect(run.stdout() + run.stderr()).not.toContain('env-secret-77c');
  });
});
