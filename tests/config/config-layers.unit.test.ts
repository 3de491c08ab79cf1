import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS,
  type ConfigOrigin,
  envNameOf,
  loadConfig,
  resolveConfig,
} from '../../infra/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'eaio-config-layers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const writeConfig = (name: string, content: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
};

describe('environment variable names', () => {
  it('are EAIO_ + the key path in upper snake case', () => {
    expect(envNameOf('kafka.sessionTimeoutMs')).toBe('EAIO_KAFKA_SESSION_TIMEOUT_MS');
    expect(envNameOf('mcp.rateLimit.requestsPerMinute')).toBe('EAIO_MCP_RATE_LIMIT_REQUESTS_PER_MINUTE');
    expect(envNameOf('stateDir')).toBe('EAIO_STATE_DIR');
  });

  it('are unique, so no variable sets two keys', () => {
    const names = CONFIG_KEYS.flatMap((k) => [k.env, ...k.envAliases]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('keep every variable the scripts and tests used before the schema derived them', () => {
    const config = loadConfig(
      {
        EAIO_STATE_DIR: '/var/eaio',
        EAIO_KAFKA_BROKERS: 'a:1, b:2',
        EAIO_TOPIC_PREFIX: 'test.x.',
        EAIO_KAFKA_SESSION_TIMEOUT_MS: '6000',
        EAIO_REGISTRY_URL: 'http://127.0.0.1:9/apis/ccompat/v7',
        EAIO_REDIS_URL: 'redis://127.0.0.1:7',
        EAIO_REDIS_KEY_PREFIX: 'test:x:',
        EAIO_POSTGRES_URL: 'postgres://u@127.0.0.1:1/db',
        EAIO_POSTGRES_SCHEMA: 'test_x',
        EAIO_MCP_HOST: '0.0.0.0',
        EAIO_MCP_PORT: '3100',
        EAIO_LOG_LEVEL: 'warn',
      },
      { cwd: dir },
    );
    expect(config).toMatchObject({
      stateDir: '/var/eaio',
      kafka: { brokers: ['a:1', 'b:2'], topicPrefix: 'test.x.', sessionTimeoutMs: 6000 },
      registry: { url: 'http://127.0.0.1:9/apis/ccompat/v7' },
      redis: { url: 'redis://127.0.0.1:7', keyPrefix: 'test:x:' },
      postgres: { url: 'postgres://u@127.0.0.1:1/db', schema: 'test_x' },
      mcp: { host: '0.0.0.0', port: 3100 },
      log: { level: 'warn' },
    });
  });

  it('let an empty prefix through but treat other empty variables as unset', () => {
    const config = loadConfig({ EAIO_TOPIC_PREFIX: '', EAIO_STATE_DIR: '', EAIO_MCP_PORT: '' }, { cwd: dir });
    expect(config.kafka.topicPrefix).toBe('');
    expect(config.stateDir).toBe('.stack');
    expect(config.mcp.port).toBe(3000);
  });

  it('prefer the derived name over an alias', () => {
    const config = loadConfig({ EAIO_TOPIC_PREFIX: 'old.', EAIO_KAFKA_TOPIC_PREFIX: 'new.' }, { cwd: dir });
    expect(config.kafka.topicPrefix).toBe('new.');
  });

  it('read lists, booleans and maps', () => {
    const config = loadConfig(
      { EAIO_METRICS_ENABLED: 'true', EAIO_LOG_LEVELS: 'projector=debug, kafkajs=error' },
      { cwd: dir },
    );
    expect(config.metrics.enabled).toBe(true);
    expect(config.log.levels).toEqual({ projector: 'debug', kafkajs: 'error' });
  });
});

describe('layer precedence: defaults < file < environment < --set', () => {
  const layerOf = (o: ConfigOrigin | undefined) => o?.layer;
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

  it('the highest layer that sets a key wins, and the origin names that layer', () => {
    let run = 0;
    fc.assert(
      fc.property(
        maybe(fc.integer({ min: 6_000, max: 300_000 })),
        maybe(fc.integer({ min: 6_000, max: 300_000 })),
        maybe(fc.integer({ min: 6_000, max: 300_000 })),
        maybe(fc.constantFrom('fatal', 'error', 'warn', 'debug', 'trace') as fc.Arbitrary<string>),
        maybe(fc.constantFrom('error', 'warn', 'debug') as fc.Arbitrary<string>),
        (fileValue, envValue, flagValue, fileLevel, flagLevel) => {
          const file = writeConfig(`layers-${run++}.json`, {
            ...(fileValue === undefined ? {} : { kafka: { sessionTimeoutMs: fileValue } }),
            ...(fileLevel === undefined ? {} : { log: { levels: { projector: fileLevel } } }),
          });
          const env = envValue === undefined ? {} : { EAIO_KAFKA_SESSION_TIMEOUT_MS: String(envValue) };
          const sets = [
            ...(flagValue === undefined ? [] : [`kafka.sessionTimeoutMs=${flagValue}`]),
            ...(flagLevel === undefined ? [] : [`log.levels.projector=${flagLevel}`]),
          ];
          const resolved = resolveConfig({ env, cwd: dir, configFile: file, sets });

          expect(resolved.config.kafka.sessionTimeoutMs).toBe(flagValue ?? envValue ?? fileValue ?? 30_000);
          const expectedLayer =
            flagValue !== undefined
              ? 'flag'
              : envValue !== undefined
                ? 'env'
                : fileValue !== undefined
                  ? 'file'
                  : 'default';
          expect(layerOf(resolved.origins.get('kafka.sessionTimeoutMs'))).toBe(expectedLayer);

          expect(resolved.config.log.levels.projector).toBe(flagLevel ?? fileLevel);
          const levelOrigin = resolved.origins.get('log.levels.projector');
          expect(layerOf(levelOrigin)).toBe(
            flagLevel !== undefined ? 'flag' : fileLevel !== undefined ? 'file' : undefined,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads eaio.config.json from the working directory when no file is named', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, 'eaio.config.json'), JSON.stringify({ mcp: { port: 4100 } }));
    const resolved = resolveConfig({ env: {}, cwd });
    expect(resolved.config.mcp.port).toBe(4100);
    expect(resolved.file).toBe(join(cwd, 'eaio.config.json'));
  });

  it('takes the file named by EAIO_CONFIG_FILE, and --config over it', () => {
    const a = writeConfig('a.json', { mcp: { port: 4001 } });
    const b = writeConfig('b.json', { mcp: { port: 4002 } });
    expect(resolveConfig({ env: { EAIO_CONFIG_FILE: a }, cwd: dir }).config.mcp.port).toBe(4001);
    expect(resolveConfig({ env: { EAIO_CONFIG_FILE: a }, cwd: dir, configFile: b }).config.mcp.port).toBe(
      4002,
    );
  });

  it('freezes the result all the way down', () => {
    const config = loadConfig({}, { cwd: dir });
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
    expect(Object.isFrozen(config.mcp.rateLimit)).toBe(true);
  });
});
