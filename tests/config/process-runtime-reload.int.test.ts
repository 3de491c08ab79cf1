import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessRuntime, type ProcessRuntime } from '../../app/index.ts';
import { resolveConfig } from '../../infra/config/index.ts';
import { createLoggerRegistry, type LoggerRegistry } from '../../infra/logging/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

const BASE = {
  cache: { weatherTtlSeconds: 3600, sensorsTtlSeconds: 300 },
  quality: { gapFactor: 1.5 },
  log: { level: 'info' },
};

describe('a process runtime applies reloaded config sections to running components', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eaio-runtime-reload-'));
  const file = join(dir, 'eaio.config.json');
  const lines: string[] = [];
  let platform: TestPlatform;
  let loggers: LoggerRegistry;
  let runtime: ProcessRuntime;
  const save = (content: unknown) => writeFileSync(file, JSON.stringify(content));

  beforeAll(async () => {
    platform = await createTestPlatform('runtime_reload');
    save(BASE);
    const resolved = resolveConfig({ env: {}, cwd: dir });
    loggers = createLoggerRegistry({
      level: resolved.config.log.level,
      levels: resolved.config.log.levels,
      destination: { write: (line: string) => void lines.push(line) },
    });
    // Reloads are asked for explicitly: no file watch or SIGHUP racing the assertions.
    runtime = createProcessRuntime(platform, resolved, loggers, { source: 'test', watchConfig: false });
  });

  afterAll(async () => {
    await runtime?.close();
    await platform?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a log level change through the store changes an existing component logger's level", () => {
    const projectorLogger = loggers.logger('projector');
    const perBatch = projectorLogger.child({ batch: 1 });
    expect([projectorLogger.level, perBatch.level]).toEqual(['info', 'info']);
    projectorLogger.debug('hidden');

    save({ ...BASE, log: { level: 'info', levels: { projector: 'debug' } } });
    expect(runtime.config.reload()).toMatchObject({ status: 'applied', changed: ['log.levels'] });
    expect([projectorLogger.level, perBatch.level]).toEqual(['debug', 'debug']);
    expect(loggers.logger('mcp').level).toBe('info');
    perBatch.debug('shown');
    const debugLines = lines
      .map((l) => JSON.parse(l) as { msg: string; level: number })
      .filter((l) => l.level === 20);
    expect(debugLines.map((l) => l.msg)).toEqual(['shown']);

    save(BASE);
    runtime.config.reload();
    expect(projectorLogger.level).toBe('info');
  });

  it('cache TTLs reach the tool-result cache for entries stored after the reload', async () => {
    save({ ...BASE, cache: { weatherTtlSeconds: 3600, sensorsTtlSeconds: 7 } });
    expect(runtime.config.reload()).toMatchObject({
      status: 'applied',
      changed: ['cache.sensorsTtlSeconds'],
    });
    await runtime.cache.getOrCompute('sensors', 'ttl-probe', async () => 'value');
    const entry = `cache:entry:sensors:${createHash('sha256').update('ttl-probe').digest('base64url')}`;
    const pttl = await platform.redis.pttl(entry);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(7_000);
  });

  it('quality thresholds are what the data-quality processor reads next', () => {
    expect(runtime.qualityThresholds().gapFactor).toBe(1.5);
    save({ ...BASE, quality: { gapFactor: 3 } });
    runtime.config.reload();
    expect(runtime.qualityThresholds().gapFactor).toBe(3);
  });
});
