import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, type ConfigSources, resolveConfig } from '../../infra/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'eaio-config-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configErrorOf(sources: Partial<ConfigSources>): ConfigError {
  try {
    resolveConfig({ env: {}, cwd: dir, ...sources });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration errors name the key and the layer the bad value came from', () => {
  it('an environment variable', () => {
    const error = configErrorOf({ env: { EAIO_MCP_PORT: 'http' } });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues).toEqual([
      expect.objectContaining({ key: 'mcp.port', origin: { layer: 'env', variable: 'EAIO_MCP_PORT' } }),
    ]);
    expect(error.message).toContain('mcp.port (from environment variable EAIO_MCP_PORT)');
    expect(error.message).toContain('"http"');
  });

  it('an older alias of a variable', () => {
    const error = configErrorOf({ env: { EAIO_TOPIC_PREFIX: 'x', EAIO_KAFKA_SESSION_TIMEOUT_MS: '10' } });
    expect(error.message).toContain(
      'kafka.sessionTimeoutMs (from environment variable EAIO_KAFKA_SESSION_TIMEOUT_MS)',
    );
  });

  it('a config file, with every bad key in one error', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ kafka: { sesionTimeoutMs: 1, brokers: [] }, log: { levels: { projector: 'loud' } } }),
    );
    const error = configErrorOf({ configFile: file });
    expect(error.issues.map((i) => i.key).sort()).toEqual([
      'kafka.brokers',
      'kafka.sesionTimeoutMs',
      'log.levels.projector',
    ]);
    for (const issue of error.issues) expect(issue.origin).toEqual({ layer: 'file', file });
    expect(error.message).toContain(`kafka.sesionTimeoutMs (from config file ${file}): unknown key`);
  });

  it('a --set flag', () => {
    const error = configErrorOf({ sets: ['log.level=loud', 'kafka.nope=1', 'mcp.port'] });
    expect(error.message).toContain('log.level (from flag --set log.level)');
    expect(error.message).toContain('kafka.nope (from flag --set kafka.nope): unknown key');
    expect(error.message).toContain('mcp.port (from flag --set mcp.port): expected --set key=value');
  });

  it('a list element names its list key and layer', () => {
    const error = configErrorOf({ sets: ['kafka.brokers=[""]'] });
    expect(error.issues[0]).toMatchObject({ key: 'kafka.brokers.0', origin: { layer: 'flag' } });
  });

  it('the higher layer is blamed when it overrides a good lower value', () => {
    const file = join(dir, 'good.json');
    writeFileSync(file, JSON.stringify({ mcp: { port: 3100 } }));
    const error = configErrorOf({ configFile: file, env: { EAIO_MCP_PORT: '70000' } });
    expect(error.issues[0]?.origin).toEqual({ layer: 'env', variable: 'EAIO_MCP_PORT' });
  });

  it('a named config file that does not exist, or is not JSON', () => {
    expect(configErrorOf({ configFile: 'missing.json' }).message).toContain(
      `(from flag --config): config file ${join(dir, 'missing.json')} does not exist`,
    );
    expect(configErrorOf({ env: { EAIO_CONFIG_FILE: 'missing.json' } }).message).toContain(
      'from environment variable EAIO_CONFIG_FILE',
    );
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "mcp": ');
    expect(configErrorOf({ configFile: file }).message).toContain(
      `(from config file ${file}): cannot read it as JSON`,
    );
  });

  it('never echoes the value of a secret key', () => {
    const error = configErrorOf({ env: { EAIO_POSTGRES_URL: '' }, sets: ['redis.url='] });
    expect(error.issues[0]).toMatchObject({ key: 'redis.url', origin: { layer: 'flag' } });
    const file = join(dir, 'secret.json');
    writeFileSync(file, JSON.stringify({ postgres: { url: 987654321 } }));
    const withValue = configErrorOf({ configFile: file });
    expect(withValue.issues[0]?.key).toBe('postgres.url');
    expect(withValue.message).not.toContain('987654321');
  });
});
