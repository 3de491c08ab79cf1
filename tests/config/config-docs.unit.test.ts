import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cacheTtlsOf } from '../../app/index.ts';
import {
  CONFIG_DOCS_MARKERS,
  CONFIG_KEYS,
  loadConfig,
  RELOADABLE_SECTIONS,
  renderConfigTable,
  withConfigTable,
} from '../../infra/config/index.ts';
import {
  DEFAULT_FUTURE_QUORUM,
  DEFAULT_MAX_FUTURE_MS,
  DEFAULT_QUALITY_RULES,
} from '../../processors/data-quality/index.ts';
import { DEFAULT_CACHE_TTL_SECONDS } from '../../projections/index.ts';

describe('the configuration reference in docs/configuration.md', () => {
  const readme = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

  it('is the table generated from the schema (run `npm run config:docs` after changing it)', () => {
    const start = readme.indexOf(CONFIG_DOCS_MARKERS.start);
    const end = readme.indexOf(CONFIG_DOCS_MARKERS.end);
    expect(start, 'docs/configuration.md config table start marker').toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    expect(readme.slice(start + CONFIG_DOCS_MARKERS.start.length, end).trim()).toBe(renderConfigTable());
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('has one row per key with its variable, default and reloadability', () => {
    for (const key of CONFIG_KEYS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${key.path}\` |`));
      expect(row, `docs/configuration.md row for ${key.path}`).toBeDefined();
      const cells = (row ?? '').split(' | ');
      expect(cells[1]).toContain(`\`${key.env}\``);
      expect(cells[4]).toBe(key.reloadable ? 'yes' : 'no');
    }
  });
});

describe('the schema', () => {
  it('marks exactly the reloadable sections as reloadable', () => {
    for (const section of RELOADABLE_SECTIONS)
      expect(CONFIG_KEYS.some((k) => k.path.startsWith(`${section}.`))).toBe(true);
    const reloadable = CONFIG_KEYS.filter((k) => k.reloadable).map((k) => k.path);
    expect(reloadable).toEqual(
      expect.arrayContaining([
        'quality.gapFactor',
        'cache.weatherTtlSeconds',
        'mcp.rateLimit.burst',
        'log.levels',
      ]),
    );
    expect(reloadable).not.toContain('mcp.port');
  });

  it('defaults every endpoint to loopback', () => {
    const config = loadConfig({}, { cwd: '/nonexistent-eaio-dir' });
    for (const host of [config.mcp.host, config.metrics.host]) expect(host).toBe('127.0.0.1');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.metrics.port).toBe(9464);
    expect(config.cache).toEqual({
      weatherTtlSeconds: 3600,
      sensorsTtlSeconds: 300,
      energyTtlSeconds: 900,
      controlTtlSeconds: 60,
      buildingsTtlSeconds: 3600,
    });
    // The cache's own defaults, used when no config is given, are the same.
    expect(cacheTtlsOf(config.cache)).toEqual(DEFAULT_CACHE_TTL_SECONDS);
  });

  it("keeps the quality thresholds' defaults equal to the data-quality processor's own", () => {
    const { quality } = loadConfig({}, { cwd: '/nonexistent-eaio-dir' });
    expect(quality.maxFutureMs).toBe(DEFAULT_MAX_FUTURE_MS);
    expect(quality.futureQuorum).toBe(DEFAULT_FUTURE_QUORUM);
    for (const rules of Object.values(DEFAULT_QUALITY_RULES)) {
      expect(rules.gapFactor).toBe(quality.gapFactor);
      expect(rules.spikeMadFactor).toBe(quality.spikeMadFactor);
      expect(rules.stuckMinDurationMs).toBe(quality.stuckMinDurationMs);
    }
  });
});
