import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  type ConfigStore,
  createConfigStore,
  type ReloadOutcome,
  resolveConfig,
} from '../../infra/config/index.ts';
import { waitFor } from '../support/wait-for.ts';

const root = mkdtempSync(join(tmpdir(), 'eaio-config-reload-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BASE = {
  mcp: { port: 3000, rateLimit: { requestsPerMinute: 120 } },
  cache: { weatherTtlSeconds: 3600, sensorsTtlSeconds: 300 },
  quality: { gapFactor: 1.5 },
  log: { level: 'info' },
};

describe('the config store reloads the reloadable subset from the file', () => {
  let dir: string;
  let file: string;
  let store: ConfigStore;
  let outcomes: ReloadOutcome[];
  let logLines: string[];

  /** Saves the way editors do: a new file renamed over the old one. */
  const save = (content: unknown) => {
    const temp = join(dir, `.eaio.config.json.${Date.now()}.tmp`);
    writeFileSync(temp, typeof content === 'string' ? content : JSON.stringify(content));
    renameSync(temp, file);
  };
  const nextOutcome = async (status: ReloadOutcome['status']): Promise<ReloadOutcome> => {
    const from = outcomes.length;
    return waitFor(
      `a reload with status ${status}`,
      async () => outcomes.slice(from).find((o) => o.status === status),
      { timeoutMs: 10_000 },
    );
  };

  beforeEach(() => {
    dir = mkdtempSync(join(root, 'case-'));
    file = join(dir, 'eaio.config.json');
    writeFileSync(file, JSON.stringify(BASE));
    logLines = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    store = createConfigStore(resolveConfig({ env: {}, cwd: dir }), { logger, debounceMs: 50, signal: null });
    outcomes = [];
    store.reloads$.subscribe((o) => outcomes.push(o));
  });
  afterEach(() => store.close());

  it('applies a valid change and notifies only the sections that changed', async () => {
    const caches: number[] = [];
    store.section$('cache').subscribe((c) => caches.push(c.weatherTtlSeconds));
    const logChanges: string[] = [];
    store.onChange('log', (log) => logChanges.push(log.level));
    const rateLimits: number[] = [];
    store.onChange('mcp.rateLimit', (r, previous) =>
      rateLimits.push(previous.requestsPerMinute, r.requestsPerMinute),
    );

    const applied = nextOutcome('applied');
    save({
      ...BASE,
      cache: { ...BASE.cache, weatherTtlSeconds: 60 },
      mcp: { ...BASE.mcp, rateLimit: { requestsPerMinute: 30 } },
    });
    const outcome = await applied;

    expect(outcome).toMatchObject({ status: 'applied', trigger: 'file', refused: [] });
    expect(outcome.status === 'applied' && [...outcome.changed].sort()).toEqual([
      'cache.weatherTtlSeconds',
      'mcp.rateLimit.requestsPerMinute',
    ]);
    await waitFor('the cache section to be re-emitted', async () => (caches.length === 2 ? true : undefined));
    expect(caches).toEqual([3600, 60]);
    expect(rateLimits).toEqual([120, 30]);
    expect(logChanges).toEqual([]);
    expect(store.current().config.cache.weatherTtlSeconds).toBe(60);
    expect(store.current().origins.get('cache.weatherTtlSeconds')).toEqual({ layer: 'file', file });
  });

  it('rejects an invalid file as a whole and keeps every running value', async () => {
    const quality: number[] = [];
    store.onChange('quality', (q) => quality.push(q.gapFactor));

    let rejected = nextOutcome('invalid');
    writeFileSync(
      file,
      JSON.stringify({ ...BASE, quality: { gapFactor: 3 }, cache: { weatherTtlSeconds: -5 } }),
    );
    let outcome = await rejected;
    expect(outcome.status === 'invalid' && outcome.error).toBeInstanceOf(ConfigError);
    const issues = outcome.status === 'invalid' ? (outcome.error as ConfigError).issues : [];
    expect(issues).toEqual([
      expect.objectContaining({ key: 'cache.weatherTtlSeconds', origin: { layer: 'file', file } }),
    ]);
    expect(store.current().config.quality.gapFactor).toBe(1.5);
    expect(store.current().config.cache.weatherTtlSeconds).toBe(3600);

    rejected = nextOutcome('invalid');
    save('{ "quality": { "gapFactor": 2 ');
    outcome = await rejected;
    expect(outcome.status === 'invalid' && outcome.error.message).toContain('cannot read it as JSON');
    expect(store.current().config.quality.gapFactor).toBe(1.5);
    expect(quality).toEqual([]);
    expect(logLines.some((l) => l.includes('config reload rejected'))).toBe(true);

    const applied = nextOutcome('applied');
    save({ ...BASE, quality: { gapFactor: 2 } });
    await applied;
    expect(quality).toEqual([2]);
  });

  it('refuses changes to keys that need a restart, keeps them, and says why', async () => {
    let next = nextOutcome('applied');
    save({ ...BASE, mcp: { ...BASE.mcp, port: 3999 }, cache: { ...BASE.cache, sensorsTtlSeconds: 30 } });
    const outcome = await next;
    expect(outcome).toMatchObject({
      status: 'applied',
      changed: ['cache.sensorsTtlSeconds'],
      refused: [{ key: 'mcp.port', kept: 3000, ignored: 3999, origin: { layer: 'file', file } }],
    });
    expect(store.current().config.mcp.port).toBe(3000);
    expect(store.current().config.cache.sensorsTtlSeconds).toBe(30);
    const warning = logLines.find((l) => l.includes('mcp.port cannot change while running'));
    expect(warning).toBeDefined();

    next = nextOutcome('unchanged');
    save({
      ...BASE,
      mcp: { ...BASE.mcp, port: 3999 },
      cache: { ...BASE.cache, sensorsTtlSeconds: 30 },
      postgres: { url: 'postgres://u:topsecret@h/db' },
    });
    const onlyRestartKeys = await next;
    expect(onlyRestartKeys.status === 'unchanged' && onlyRestartKeys.refused.map((r) => r.key)).toEqual([
      'postgres.url',
      'mcp.port',
    ]);
    expect(JSON.stringify(onlyRestartKeys)).not.toContain('topsecret');
    expect(logLines.join('\n')).not.toContain('topsecret');
  });
});

describe('SIGHUP', () => {
  it('reloads the file when the process receives it', async () => {
    const dir = mkdtempSync(join(root, 'hup-'));
    const file = join(dir, 'custom.json');
    writeFileSync(file, JSON.stringify({ log: { level: 'info' } }));
    const store = createConfigStore(
      resolveConfig({ env: { EAIO_CONFIG_FILE: file }, cwd: dir, sets: ['log.levels.mcp=warn'] }),
      { watchFile: false },
    );
    try {
      const levels: Array<Record<string, string>> = [];
      store.onChange('log', (log) => levels.push({ level: log.level, ...log.levels }));
      writeFileSync(
        file,
        JSON.stringify({ log: { level: 'debug', levels: { mcp: 'trace', projector: 'error' } } }),
      );
      process.kill(process.pid, 'SIGHUP');
      await waitFor('the SIGHUP reload', async () => (levels.length > 0 ? true : undefined), {
        timeoutMs: 10_000,
      });
      // The --set flag still outranks the file after a reload.
      expect(levels).toEqual([{ level: 'debug', mcp: 'warn', projector: 'error' }]);
    } finally {
      store.close();
    }
  });
});
