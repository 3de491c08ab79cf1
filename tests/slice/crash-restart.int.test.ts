import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEveryReadingOnce } from '../support/exactly-once.ts';
import { chunkedPublisher, hourlyReadings } from '../support/readings.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const METERS = 40;
const HOURS = 150;
const CHUNK = 500;

describe('the projector killed abruptly mid-stream and restarted loses nothing and duplicates nothing', () => {
  let platform: TestPlatform;
  const running: EaioProcess[] = [];
  const readings = hourlyReadings('PrimClass_Jolie', METERS, HOURS);

  const projectedCount = (): Promise<number> => platform.countReadings();

  const startProjector = (): EaioProcess => {
    const p = spawnEaio(['project'], platform.childEnv);
    running.push(p);
    return p;
  };

  beforeAll(async () => {
    platform = await createTestPlatform('crash');
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await platform?.dispose();
  });

  it('has every produced reading exactly once after two SIGKILLs', async () => {
    const deps = await platform.feedDeps();
    const killedAt: number[] = [];
    const produce = chunkedPublisher(deps, readings, CHUNK);

    // First life: killed once it has projected part of what is on the topic.
    await produce(readings.length / 3);
    const first = startProjector();
    await waitFor(
      'first projector to make progress',
      async () => ((await projectedCount()) > 0 ? true : undefined),
      {
        timeoutMs: 90_000,
      },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${first.stderr()}`);
    });
    await first.kill();
    killedAt.push(await projectedCount());

    // Second life: killed while readings are still arriving.
    const second = startProjector();
    const producing = produce((2 * readings.length) / 3);
    await waitFor(
      'second projector to make progress',
      async () => ((await projectedCount()) > (killedAt[0] ?? 0) ? true : undefined),
      { timeoutMs: 90_000 },
    );
    await second.kill();
    await producing;
    killedAt.push(await projectedCount());

    // Third life runs to the end.
    startProjector();
    await produce(readings.length);
    await waitFor(
      'every reading projected',
      async () => ((await projectedCount()) >= readings.length ? true : undefined),
      { timeoutMs: 90_000 },
    );

    // Both kills landed mid-stream, with readings still to project.
    expect(killedAt.every((n) => n > 0 && n < readings.length)).toBe(true);
    await expectEveryReadingOnce(platform, readings);
  });
});
