import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESSORS } from '../../processors/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import type { EaioProcess } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { READING_STAGES, type ReadingStage } from './support/derived.ts';
import { AckLedger, faultSize, reproduceCommand, sized, writeScenarioResult } from './support/ledger.ts';
import { committedTotal, diedByFailpoint, Lives } from './support/lives.ts';
import { type PipelineMeters, pipelineReadings } from './support/pipeline-readings.ts';
import { countPipelineLetters, derivedTotals, settleReadings } from './support/settle.ts';

/**
 * R2: every stage of the readings pipeline killed again and again. Each round has two lives:
 *
 * 1. every readings stage as its own `eaio process <stage>` and the projector, each killing itself at
 *    a failpoint: a stage once its n-th transaction holds its outputs and offsets but before the
 *    commit (`--exit-before-commit`), or right after a commit (`--exit-after-commit`), taken in
 *    turn; the projector once its n-th batch is in Postgres, before its Kafka ack
 *    (`--exit-after-batches`);
 * 2. `eaio process all` and `eaio project` together, each SIGKILLed from outside at a random point of
 *    its way through the chunk.
 *
 * A chunk of readings is produced through the ledger before each life, so every life has work. At
 * the end one `process all` and one projector run with nobody killing, and the read model is checked
 * against the ledger and every derived topic and table against the pure operators.
 */
const ROUNDS = sized(2, 8);
const METERS: PipelineMeters = {
  buildings: ['R02_Alpha', 'R02_Bravo', 'R02_Charlie', 'R02_Delta'],
  metersPerBuilding: sized(4, 8),
  weeklyBuilding: 'R02_Echo',
  weeklyMeters: 4,
};
/** Readings per produced chunk; two chunks a round, and one for the last life. */
const CHUNK = sized(240, 640);
const CHUNKS = ROUNDS * 2 + 1;
const FAILPOINT_LIMIT_MS = sized(120_000, 180_000);
const RECOVERY_LIMIT_MS = sized(90_000, 180_000);

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** One failpoint a stage's life dies at. */
interface StageKill {
  readonly stage: ReadingStage;
  readonly flag: '--exit-before-commit' | '--exit-after-commit';
  readonly n: number;
}

/**
 * The failpoints of one round, taken in turn per stage. Upstream of building-aggregates,
 * readings-by-building always commits at least one transaction before it dies (n >= 2 before a
 * commit), so building-aggregates, killed at its first transaction, has new input in every life.
 */
function stageKills(round: number): StageKill[] {
  return READING_STAGES.map((stage, i) => {
    const before = (round + i) % 2 === 0;
    const flag = before ? '--exit-before-commit' : '--exit-after-commit';
    if (stage === 'building-aggregates') return { stage, flag, n: 1 };
    if (stage === 'readings-by-building')
      return { stage, flag, n: before ? randomInt(2, 4) : randomInt(1, 3) };
    return { stage, flag, n: randomInt(1, 4) };
  });
}

describe('R2: the projector and each processor killed repeatedly, also between a write and its commit', () => {
  let platform: TestPlatform | undefined;
  let lives: Lives | undefined;

  beforeAll(async () => {
    platform = await createTestPlatform('r02');
    lives = new Lives(platform.childEnv);
  });

  afterAll(async () => {
    await lives?.killAll();
    await lives?.writeLog('r02-children.log').catch(() => undefined);
    await platform?.dispose();
  });

  it('loses and duplicates nothing across kills at every failpoint and from outside', {
    timeout: sized(540_000, 1_500_000),
  }, async () => {
    const started = Date.now();
    const p = platform as TestPlatform;
    const l = lives as Lives;
    const ledger = new AckLedger('R2');
    const deps = await p.feedDeps();
    const readings = pipelineReadings(METERS, CHUNKS * CHUNK);
    let produced = 0;
    const errors: Error[] = [];
    const produceChunk = async (): Promise<void> => {
      const chunk: SensorReading[] = readings.slice(produced, produced + CHUNK);
      produced += chunk.length;
      errors.push(...(await ledger.publish(deps, chunk, 120)));
    };
    const byBuildingGroup = `${p.names.prefix}${PROCESSORS['readings-by-building'].name}`;
    const readingsTopic = p.names.topic('sensorReadings');

    const timeline: string[] = [];
    let failpointKills = 0;
    let externalKills = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      // Life 1: each stage and the projector die at a failpoint of their own.
      await produceChunk();
      const life1 = Date.now();
      const kills = stageKills(round);
      const projectorAt = randomInt(1, 4);
      const dying = [
        {
          what: `projector (after batch ${projectorAt})`,
          life: l.spawn(`round ${round} projector`, ['project', '--exit-after-batches', String(projectorAt)]),
        },
        ...kills.map((k) => ({
          what: `${k.stage} (${k.flag} ${k.n})`,
          life: l.spawn(`round ${round} ${k.stage}`, ['process', k.stage, k.flag, String(k.n)]),
        })),
      ];
      await Promise.all(dying.map((d) => diedByFailpoint(d.life, d.what, FAILPOINT_LIMIT_MS)));
      failpointKills += dying.length;
      const life1Took = seconds(life1);

      // Life 2: `process all` and the projector, each SIGKILLed from outside once it moved a random
      // way into the chunk (most often with some of it still to do).
      await produceChunk();
      const life2 = Date.now();
      const projectedBefore = await p.countReadings();
      const processedBefore = await committedTotal(p, byBuildingGroup, readingsTopic);
      const all = l.spawn(`round ${round} process all`, ['process', 'all']);
      const projector = l.spawn(`round ${round} projector (killed from outside)`, ['project']);
      const killWhen = async (life: EaioProcess, what: string, moved: () => Promise<boolean>) => {
        await waitFor(
          `${what} to make progress`,
          async () => {
            if (life.child.exitCode !== null || life.child.signalCode !== null)
              throw new Error(`${what} ended by itself:\n${life.stderr().slice(-3_000)}`);
            return (await moved()) ? true : undefined;
          },
          { timeoutMs: FAILPOINT_LIMIT_MS, intervalMs: 100 },
        );
        await life.kill();
      };
      const projectedAt = projectedBefore + randomInt(1, CHUNK);
      const processedAt = processedBefore + BigInt(randomInt(1, CHUNK));
      let processedAtKill = 0n;
      let projectedAtKill = 0;
      await Promise.all([
        killWhen(all, '`process all`', async () => {
          processedAtKill = await committedTotal(p, byBuildingGroup, readingsTopic);
          return processedAtKill >= processedAt;
        }),
        killWhen(projector, 'the projector', async () => {
          projectedAtKill = await p.countReadings();
          return projectedAtKill >= projectedAt;
        }),
      ]);
      externalKills += 2;
      timeline.push(
        `round ${round}: failpoints ${dying.map((d) => d.what).join(', ')} (${life1Took}); then ` +
          `process all SIGKILLed at ${processedAtKill} of ${produced} readings re-keyed, the projector at ` +
          `${projectedAtKill} of ${produced} projected (${seconds(life2)})`,
      );
    }

    // The last life: nobody kills; a last chunk so there is work after the last kill.
    await produceChunk();
    l.spawn('last process all', ['process', 'all']);
    l.spawn('last projector', ['project']);
    const settled = await settleReadings(p, ledger, READING_STAGES, RECOVERY_LIMIT_MS);
    const derived = derivedTotals(settled.derived);
    const deadLettered = await countPipelineLetters(p);

    await writeScenarioResult({
      scenario: 'R2',
      title: 'The projector and each processor killed repeatedly, also between a write and its commit',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: settled.readings.lost.length + derived.lost,
      duplicated: settled.readings.duplicated + derived.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs: settled.recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: reproduceCommand('tests/faults/r02-kill-every-stage.fault.test.ts'),
      notes: [
        `${ROUNDS} rounds, ${failpointKills} failpoint kills and ${externalKills} external SIGKILLs over ${l.count} lives`,
        ...timeline,
        `readings table: ${settled.readings.rows} rows, ${settled.readings.unacknowledgedStored} of events never acknowledged`,
        `derived topics: ${JSON.stringify(settled.derived.map(({ lostSample: _, duplicatedSample: __, unexpectedSample: ___, ...d }) => d))}`,
        ...settled.derived.flatMap((d) =>
          [...d.lostSample, ...d.duplicatedSample, ...d.unexpectedSample].length === 0
            ? []
            : [
                `${d.topic} lost: ${d.lostSample.join(' | ')}; duplicated: ${d.duplicatedSample.join(' | ')}; unexpected: ${d.unexpectedSample.join(' | ')}`,
              ],
        ),
        `processor read models: ${JSON.stringify(settled.tables)}`,
        `producer send errors: ${errors.length}`,
        `stalled: ${settled.stalled ?? 'no'}`,
        `wall time ${Math.round((Date.now() - started) / 1000)} s`,
      ],
    });

    expect(errors, 'producer send errors').toEqual([]);
    expect(settled.readings.lost, 'acknowledged readings lost').toEqual([]);
    expect(settled.readings.duplicated).toBe(0);
    expect(settled.readings.rows).toBe(ledger.acknowledged.size);
    for (const d of settled.derived)
      expect({ topic: d.topic, lost: d.lost, duplicated: d.duplicated, unexpected: d.unexpected }).toEqual({
        topic: d.topic,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
      });
    expect(settled.tables).toMatchObject({ anomaliesMissing: 0, issuesMissing: 0, rollupsWrong: 0 });
    expect(deadLettered, 'good readings dead-lettered').toBe(0);
    expect(settled.stalled).toBeNull();
    expect(settled.recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
  });
});
