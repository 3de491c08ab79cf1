import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

describe('eaio simulate off a terminal', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform('simulate_progress');
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it("reports the backfill as structured progress lines with rate and ETA, ending at the run's size", async () => {
    const count = 3_000;
    const started = Date.now();
    // stderr is a pipe here, as in CI or a log file: no bar, JSON lines instead.
    const run = spawnEaio(
      [
        'simulate',
        '--buildings',
        '4',
        '--backfill',
        '7d',
        '--interval',
        '15m',
        '--speed',
        'max',
        '--count',
        String(count),
        '--json',
      ],
      { ...platform.childEnv, EAIO_LOG_LEVEL: 'info' },
    );
    expect(await run.exited(), run.stderr()).toBe(0);
    const progress = run
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"msg":"progress"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(progress.length, run.stderr()).toBeGreaterThanOrEqual(1);
    for (const line of progress) {
      expect(line).toMatchObject({ task: 'simulate backfill', unit: 'readings', total: count });
      expect(typeof line.ratePerSecond).toBe('number');
      expect(typeof line.etaSeconds).toBe('number');
      expect(line.done as number).toBeLessThanOrEqual(count);
    }
    expect(progress.at(-1)).toMatchObject({ finished: true, done: count, percent: 100, etaSeconds: 0 });
    // Lines come at most every 2 s, plus the last one.
    expect(progress.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 2_000) + 1);
    // stdout keeps only the summary: one JSON line a script can read.
    expect(JSON.parse(run.stdout().trim())).toMatchObject({ generated: count });
  });
});
