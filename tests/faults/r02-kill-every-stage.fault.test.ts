import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { READING_STAGES, type ReadingStage } from './support/derived.ts';
import { ChildFleet } from './support/fleet.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';
import { committedTotal } from './support/progress.ts';
import { derivedTotals, settleReadings } from './support/settle.ts';

const BUILDINGS = ['Office_Elizabeth', 'Lab_Eddie'];
const METERS = 6;
const HOURS = sized(240, 720);
/** Rounds of lives; each round kills every stage once with its failpoint and `process all` once from outside. */
const ROUNDS = sized(1, 3);
const RECOVERY_LIMIT_MS = sized(90_000, 180_000);

/**
 * Readings with a spike every 53 hours per meter, so the data-quality and anomaly stages have
 * outputs to commit (and to lose or double), not only offsets.
 */
function spiky(readings: SensorReading[]): SensorReading[] {
  return readings.map((r) => {
    const hour = Math.floor(r.occurredAt.getTime() / HOUR_MS);
    return hour % 53 === 52 ? { ...r, value: r.value * 40 + 5_000 } : r;
  });
}

describe('R2: the projector and every processor SIGKILLed again and again, also between a write and its commit', () => {
  let platform: TestPlatform;
  let fleet: ChildFleet;

  beforeAll(async () => {
    platform = await createTestPlatform('r02');
    fleet = new ChildFleet(platform.childEnv);
  });

  afterAll(async () => {
    await fleet?.killAll();
    await platform?.dispose();
  });

  it('loses and duplicates nothing in the readings or in any derived topic or read model', async () => {
    const started = Date.now();
    const ledger = new AckLedger('R2');
    const readings = spiky(BUILDINGS.flatMap((b) => hourlyReadings(b, METERS, HOURS))).sort(
      (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
    );
    const deps = await platform.feedDeps();
    const lives: { stage: ReadingStage | 'all'; how: 'failpoint' | 'external' }[] = [];
    const plan: (ReadingStage | 'all')[] = [];
    for (let r = 0; r < ROUNDS; r++)
      plan.push(...READING_STAGES.flatMap((s, i) => (i % 2 === 0 ? [s, 'all' as const] : [s])));
    const perLife = Math.ceil(readings.length / (plan.length + 1));
    let produced = 0;
    const produce = async () => {
      await ledger.publish(deps, readings.slice(produced, produced + perLife));
      produced = Math.min(readings.length, produced + perLife);
    };
    const aggregatesGroup = `${platform.names.prefix}reading-aggregates`;
    const readingsTopic = platform.names.topic('sensorReadings');

    for (const [i, target] of plan.entries()) {
      await produce();
      // The projector dies in every life too: by its own failpoint between its Postgres commit and
      // its ack in every third life, from outside at a random point otherwise.
      const projectorFailpoint = i % 3 === 1;
      const projector = fleet.spawn(
        projectorFailpoint ? ['project', '--exit-after-batches', String(randomInt(1, 4))] : ['project'],
      );
      if (target === 'all') {
        // Every stage at once, SIGKILLed from outside once the aggregates stage has committed something.
        const before = await committedTotal(platform, aggregatesGroup, readingsTopic);
        const all = fleet.spawn(['process', 'all']);
        await waitFor(
          'the processors to make progress',
          async () =>
            (await committedTotal(platform, aggregatesGroup, readingsTopic)) > before ? true : undefined,
          { timeoutMs: 90_000, intervalMs: 200 },
        ).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${fleet.tails()}`);
        });
        await all.kill();
        lives.push({ stage: 'all', how: 'external' });
      } else {
        // One stage kills itself with a transaction open: outputs and offsets sent, not committed.
        const life = fleet.spawn(['process', target, '--exit-before-commit', String(randomInt(1, 4))]);
        await ChildFleet.selfKilled(life, `${target}'s failpoint to fire`);
        lives.push({ stage: target, how: 'failpoint' });
      }
      if (projectorFailpoint) await ChildFleet.selfKilled(projector, "the projector's failpoint to fire");
      else await projector.kill();
    }
    const faultsOverAt = Date.now();

    // The last lives run to the end: no manual step, only the same commands started again.
    fleet.spawn(['project']);
    fleet.spawn(['process', 'all']);
    while (produced < readings.length) await produce();
    const settled = await settleReadings(platform, ledger, READING_STAGES, RECOVERY_LIMIT_MS);
    const recoveryMs = settled.recoveryMs === null ? null : Date.now() - faultsOverAt;
    const derived = derivedTotals(settled.derived);

    await writeScenarioResult({
      scenario: 'R2',
      title: 'projector and every processor SIGKILLed repeatedly, also between write and commit',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: settled.readings.lost.length + derived.lost,
      duplicated: settled.readings.duplicated + derived.duplicated,
      poisonSent: 0,
      deadLettered: 0,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: `${faultSize() === 'full' ? 'FAULTS_SIZE=full ' : ''}npx vitest run tests/faults/r02-kill-every-stage.fault.test.ts`,
      notes: [
        `kills: ${lives.length} processor lives (${lives.filter((l) => l.how === 'failpoint').length} by failpoint before commit: ${lives
          .filter((l) => l.how === 'failpoint')
          .map((l) => l.stage)
          .join(
            ', ',
          )}; ${lives.filter((l) => l.how === 'external').length} of process all from outside) and ${plan.length} projector lives (${plan.filter((_, i) => i % 3 === 1).length} by failpoint after the Postgres commit)`,
        `derived topics: ${JSON.stringify(settled.derived)}`,
        `processor read models: ${JSON.stringify(settled.tables)}`,
        `stalled: ${settled.stalled ?? 'no'}`,
        `wall time ${Math.round((Date.now() - started) / 1000)} s`,
      ],
    });

    expect(
      lives
        .filter((l) => l.how === 'failpoint')
        .map((l) => l.stage)
        .sort(),
    ).toEqual(
      Array.from({ length: ROUNDS }, () => [...READING_STAGES])
        .flat()
        .sort(),
    );
    expect(settled.readings.lost, 'acknowledged readings lost').toEqual([]);
    expect(settled.readings.duplicated).toBe(0);
    expect(settled.readings.rows).toBe(readings.length);
    for (const d of settled.derived)
      expect({ topic: d.topic, lost: d.lost, duplicated: d.duplicated, unexpected: d.unexpected }).toEqual({
        topic: d.topic,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
      });
    expect(settled.tables).toMatchObject({ anomaliesMissing: 0, issuesMissing: 0, rollupsWrong: 0 });
    expect(
      settled.derived.find((d) => d.topic === 'dataQualityIssues')?.expected,
      'data quality had work',
    ).toBeGreaterThan(0);
    expect(recoveryMs, `recovered within ${RECOVERY_LIMIT_MS} ms: ${settled.stalled}`).not.toBeNull();
  });
});
