import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingsByBuildingProcessor } from '../../processors/index.ts';
import { caughtUp, readEvents, runToEnd } from '../support/processor-runs.ts';
import { chunkedPublisher, hourlyReadings } from '../support/readings.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

/** How long the failpoint holds the first transaction with outputs open, before its commit. */
const STALL_MS = 3_000;

describe('a processor stopped by SIGTERM while a batch is in flight', () => {
  let platform: TestPlatform;
  const running: EaioProcess[] = [];
  const readings = hourlyReadings('Office_Stella', 12, 40);

  beforeAll(async () => {
    platform = await createTestPlatform('proc_stop');
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await platform?.dispose();
  });

  it('finishes or drops the batch, ends by itself, and its successor writes every output once', async () => {
    await chunkedPublisher(await platform.feedDeps(), readings, 120)(readings.length);
    // The stall holds a transaction open the way a slow batch would, so the stop lands mid-batch.
    const life = spawnEaio(
      ['process', readingsByBuildingProcessor.name, '--stall-before-commit', String(STALL_MS)],
      platform.childEnv,
    );
    running.push(life);
    await waitFor(
      'the batch to stall before its commit',
      async () => (life.stderr().includes('"failpoint":"stall-before-commit"') ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 50 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${life.stderr()}`);
    });
    life.child.kill('SIGTERM');
    // Before the fix the stop disconnected the producers under the batch, which then opened a
    // connection of its own again: the process never ended.
    const exit = await Promise.race([life.exited(), delay(STALL_MS + 30_000, 'still running' as const)]);
    expect(exit, life.stderr().slice(-3_000)).toBe(0);

    // Whatever the stopped member left (its batch committed or not), a successor ends with each
    // reading once on the output.
    await runToEnd(platform, readingsByBuildingProcessor);
    await caughtUp(
      platform,
      `${platform.names.prefix}${readingsByBuildingProcessor.name}`,
      platform.names.topic('sensorReadings'),
    );
    const ids = (await readEvents(platform, 'readingsByBuilding')).map((e) => e.value.eventId);
    expect(ids.length).toBe(readings.length);
    expect(new Set(ids)).toEqual(new Set(readings.map((r) => r.eventId)));
  });
});
