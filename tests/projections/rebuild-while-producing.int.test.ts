import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, rebuildNamedProjection, runProjector } from '../../app/index.ts';
import { generationSchema } from '../../projections/index.ts';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import { publishReadings } from '../../sources/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const BUILDING = 'Office_Rebuild_Load';
const METERS = 6;
/** Readings per send: small, so sends keep coming throughout the catch-up and the switch. */
const CHUNK = 60;

/**
 * A rebuild whose switch comes while readings keep arriving (no `beforeSwitch` to let the live
 * generation settle first, as `rebuild.int.test.ts` does): the live projector writes g1 up to the
 * switch and g2 from its next batch on, and the rebuild's catch-up covers what g1 took meanwhile.
 * Every reading sent must be in g2 exactly once, before and after the switch alike. R11
 * (docs/reliability.md) runs the same under shifted clocks with the CLI.
 */
describe('rebuild while a producer keeps sending', () => {
  let platform: TestPlatform;
  let projector: RunningProjector | undefined;

  beforeAll(async () => {
    platform = await createTestPlatform('rebuild_load');
    projector = await runProjector(platform);
  });

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  it('every reading sent before, during and after the switch is in the new generation once', async () => {
    const deps = await platform.feedDeps();
    const sent: SensorReading[] = [];
    let hour = 0;
    /** The next CHUNK readings: new meter-hours, so every event id is owed a row of its own. */
    const nextChunk = (): SensorReading[] => {
      const perMeter = CHUNK / METERS;
      const chunk = hourlyReadings(BUILDING, METERS, perMeter, Date.UTC(2020, 0, 1) + hour * HOUR_MS);
      hour += perMeter;
      return chunk;
    };
    const send = async () => {
      const chunk = nextChunk();
      await publishReadings(deps, chunk);
      sent.push(...chunk);
    };
    // A log to replay before the rebuild starts.
    for (let i = 0; i < 20; i++) await send();
    await platform.waitForReadings(sent.length, 90_000);

    let switched = false;
    const rebuild = rebuildNamedProjection(platform, 'readings', { catchUpIntervalMs: 20 }).finally(() => {
      switched = true;
    });
    // Sends go on until the rebuild has switched, then a few more land on the new generation only.
    let duringRebuild = 0;
    while (!switched) {
      await send();
      duringRebuild += 1;
    }
    const result = await rebuild;
    for (let i = 0; i < 5; i++) await send();
    expect(result).toMatchObject({ generation: 2, previous: 1 });
    expect(duringRebuild).toBeGreaterThan(1);

    const schema = platform.config.postgres.schema;
    const [g1, g2] = [1, 2].map((g) => generationSchema(schema, 'readings', g));
    const ids = async (table: string) =>
      (await platform.pool.query<{ event_id: string }>(`SELECT event_id FROM ${table}`)).rows.map(
        (r) => r.event_id,
      );
    await waitFor(
      'every reading sent in generation 2',
      async () => ((await ids(`${g2}.readings`)).length >= sent.length ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    const inG2 = await ids(`${g2}.readings`);
    const stored = new Set(inG2);
    const missing = sent.filter((r) => !stored.has(r.eventId));
    // Where the missing ones went, for a failure message: g1 took them and g2 never did.
    const inG1 = new Set(await ids(`${g1}.readings`));
    expect({
      missing: missing.length,
      missingInG1: missing.filter((r) => inG1.has(r.eventId)).length,
      duplicated: inG2.length - stored.size,
    }).toEqual({ missing: 0, missingInG1: 0, duplicated: 0 });
    expect(inG2.length).toBe(sent.length);
    // The switch came mid-stream: g1, frozen at it, holds the readings sent before the rebuild
    // (and those of the sends during it that the live projector took before the switch), not all.
    expect(inG1.size).toBeGreaterThanOrEqual(20 * CHUNK);
    expect(inG1.size).toBeLessThan(sent.length);
    // Readers see g2.
    expect(await platform.countReadings()).toBe(sent.length);
  });
});
