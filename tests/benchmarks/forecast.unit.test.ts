import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forecastBenchmark } from '../../benchmarks/forecast.ts';
import type { EaioConfig } from '../../infra/config/index.ts';
import type { StackEndpoints } from '../../infra/stack/index.ts';
import { parseMetaOpen, writeSimulatedWideReadings } from '../../sources/index.ts';

const DATA = fileURLToPath(new URL('../../sources/bdg1/data/', import.meta.url));
// The benchmark needs no services: it ignores the config and endpoints the harness passes.
const NO_CONFIG = {} as EaioConfig;
const NO_ENDPOINTS = {} as StackEndpoints;

describe('the forecast benchmark', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-forecast-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scores TOWT and seasonal naive on the same hours of a simulated fleet, the same way twice', async () => {
    const run = () =>
      forecastBenchmark(NO_CONFIG, NO_ENDPOINTS, [
        '--buildings',
        '2',
        '--faults',
        'spike=0',
        '--per-meter',
        join(dir, 'sim.csv'),
      ]);
    const first = await run();
    expect(first.faultsInjected).toBe(0);
    expect(first.metersScored).toBe(first.meters);
    // Without faults the simulated load is a temperature-driven schedule TOWT captures.
    expect(first.towtMeetsG14Share).toBe(1);
    expect(first.towtCvRmseMedian as number).toBeLessThan(first.naiveCvRmseMedian as number);
    expect(first.towtCvRmseMedianVsTrue).toBe(first.towtCvRmseMedian);
    const second = await run();
    const { fitMsMedian: _a, fitMsTotal: _b, ...same } = first;
    const { fitMsMedian: _c, fitMsTotal: _d, ...again } = second;
    expect(again).toEqual(same);
    const csv = (await readFile(join(dir, 'sim.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(
      'meterId,meterKind,trainHours,testHours,towtCvRmse,towtNmbe,naiveCvRmse,naiveNmbe,towtMeetsG14,fitMs',
    );
    expect(csv.length).toBe(1 + (first.meters as number));
  });

  it('reads a BDG1-layout meter file with the metadata and weather files the importers read', async () => {
    const buildings = parseMetaOpen(await readFile(join(DATA, 'meta_open.csv'), 'utf8'))
      .buildings.filter((b) => b.weatherStationId === 'bdg1-weather2')
      .slice(0, 3);
    const file = join(dir, 'electricity.csv');
    await writeSimulatedWideReadings({
      path: file,
      buildings,
      meterKind: 'electricity',
      from: new Date(Date.UTC(2015, 0, 1)),
      hours: 92 * 24,
      seed: 1,
      timestamps: 'utc',
      layout: 'bdg1',
    });
    const figures = await forecastBenchmark(NO_CONFIG, NO_ENDPOINTS, [
      '--file',
      file,
      '--metadata',
      join(DATA, 'meta_open.csv'),
      '--weather',
      join(DATA, 'weather', 'weather2.csv'),
      '--per-meter',
      join(dir, 'file.csv'),
    ]);
    expect(figures).toMatchObject({
      source: 'electricity.csv',
      meters: 3,
      metersScored: 3,
      metersSkipped: 0,
    });
    expect(figures.testHoursMedian).toBe(31 * 24);
    expect(figures).not.toHaveProperty('towtCvRmseMedianVsTrue');
    await expect(forecastBenchmark(NO_CONFIG, NO_ENDPOINTS, ['--file', file])).rejects.toThrow(
      /--file needs --metadata FILE .* and --weather FILE/,
    );
  });
});
