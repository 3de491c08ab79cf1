import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESSORS } from '../../processors/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import type { EaioProcess } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { READING_STAGES } from './support/derived.ts';
import { AckLedger, faultSize, reproduceCommand, sized, writeScenarioResult } from './support/ledger.ts';
import { committedTotal, describeGroup, Lives } from './support/lives.ts';
import { type PipelineMeters, pipelineReadings } from './support/pipeline-readings.ts';
import { countPipelineLetters, derivedTotals, settleReadings } from './support/settle.ts';

/**
 * R3: consumers join and leave while readings flow. A producer publishes through the ledger in small
 * slices at a steady pace, two chunks' worth per change; a projector and a `process all` member run;
 * then membership changes, paced by progress (each once another chunk was acknowledged and the
 * projection moved):
 * a second member of one role joins (its groups rebalance to two members), then the older member
 * leaves, by SIGTERM (a clean leave: it stops, commits and leaves its groups) or by SIGKILL (its
 * groups notice only at the session timeout), taken in turn per role. At the end one member of each
 * role runs, and the read model is checked against the ledger and every derived topic and table
 * against the pure operators, as in R2.
 */
const CHANGES = sized(4, 16);
const METERS: PipelineMeters = {
  buildings: ['R03_Alpha', 'R03_Bravo', 'R03_Charlie', 'R03_Delta'],
  metersPerBuilding: sized(4, 8),
  weeklyBuilding: 'R03_Echo',
  weeklyMeters: 4,
};
/** Readings acknowledged between two changes, at least; each change lets the producer send four times that. */
const CHUNK = sized(240, 640);
/**
 * The producer's pace: a slice every PACE_MS while within what the changes so far allow. Slow enough
 * that a change's allowance lasts through its join and leave on a loaded machine.
 */
const SLICE = sized(10, 20);
const PACE_MS = 250;
const ALLOWANCE = 4 * CHUNK;
const STEP_LIMIT_MS = sized(120_000, 180_000);
const RECOVERY_LIMIT_MS = sized(90_000, 180_000);

type Role = 'projector' | 'processor';

const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

describe('R3: consumers joining and leaving every few seconds', () => {
  let platform: TestPlatform | undefined;
  let lives: Lives | undefined;
  /** The background producer's switch; afterAll turns it off too, when the test failed midway. */
  let producing = false;

  beforeAll(async () => {
    platform = await createTestPlatform('r03');
    lives = new Lives(platform.childEnv);
  });

  afterAll(async () => {
    producing = false;
    await lives?.killAll();
    await lives?.writeLog('r03-children.log').catch(() => undefined);
    await platform?.dispose();
  });

  it('loses and duplicates nothing while members join and leave, cleanly and by SIGKILL', {
    timeout: sized(540_000, 1_800_000),
  }, async () => {
    const started = Date.now();
    const p = platform as TestPlatform;
    const l = lives as Lives;
    const ledger = new AckLedger('R3');
    const deps = await p.feedDeps();
    const readings = pipelineReadings(METERS, (CHANGES + 1) * ALLOWANCE);
    let produced = 0;
    /** How far the producer may go: an allowance more at each change, so the flow is paced by the churn. */
    let allowed = ALLOWANCE;
    producing = true;
    const errors: Error[] = [];
    // Readings flow while members join and leave, so rebalances move partitions with work in flight.
    const producer = (async () => {
      while (producing) {
        if (produced < Math.min(allowed, readings.length)) {
          const slice: SensorReading[] = readings.slice(produced, produced + SLICE);
          produced += slice.length;
          errors.push(...(await ledger.publish(deps, slice, SLICE)));
        }
        await delay(PACE_MS);
      }
    })();

    // The groups a member of each role joins: the projector's one; one per readings stage for
    // `process all` (it runs the other catalogue processors too, whose inputs get nothing here).
    const groupsOf: Record<Role, readonly string[]> = {
      projector: [`${p.names.prefix}projector`],
      processor: READING_STAGES.map((s) => `${p.names.prefix}${PROCESSORS[s].name}`),
    };
    const argsOf: Record<Role, readonly string[]> = { projector: ['project'], processor: ['process', 'all'] };
    const members: Record<Role, EaioProcess[]> = { projector: [], processor: [] };
    let spawned = 0;
    const join = (role: Role): EaioProcess => {
      const member = l.spawn(`${role} ${++spawned}`, argsOf[role]);
      members[role].push(member);
      return member;
    };
    /** Resolves once every group of the role is stable with `count` members; fails if a member died. */
    const groupsAt = async (role: Role, count: number): Promise<void> => {
      await waitFor(
        `the ${role} groups stable with ${count} member(s)`,
        async () => {
          for (const m of members[role])
            if (m.child.exitCode !== null || m.child.signalCode !== null)
              throw new Error(`a ${role} member ended by itself:\n${m.stderr().slice(-3_000)}`);
          for (const group of groupsOf[role]) {
            const { state, members: n } = await describeGroup(p, group);
            if (state !== 'Stable' || n !== count) return undefined;
          }
          return true;
        },
        { timeoutMs: STEP_LIMIT_MS, intervalMs: 250 },
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${members[role].map((m) => m.stderr().slice(-1_500)).join('\n')}`);
      });
    };
    /** Waits for another chunk acknowledged and the projection past what it held at the last step. */
    let stepRows = 0;
    let stepAcked = 0;
    const progress = async (): Promise<void> => {
      await waitFor(
        'another chunk acknowledged and the projection moved',
        async () => {
          if (ledger.acknowledged.size < stepAcked + CHUNK) return undefined;
          const rows = await p.countReadings();
          return rows > stepRows ? rows : undefined;
        },
        { timeoutMs: STEP_LIMIT_MS, intervalMs: 100 },
      ).then((rows) => {
        stepRows = rows;
        stepAcked = ledger.acknowledged.size;
      });
    };
    const byBuildingGroup = `${p.names.prefix}${PROCESSORS['readings-by-building'].name}`;
    /** Readings acknowledged and not yet projected, and not yet re-keyed: the work in flight at a change. */
    const inFlight = async (): Promise<string> => {
      const projected = await p.countReadings();
      const rekeyed = await committedTotal(p, byBuildingGroup, p.names.topic('sensorReadings'));
      // Read last: acknowledgements land while the others are read, and none may count as done first.
      const acked = ledger.acknowledged.size;
      return `${acked - projected}/${acked - Number(rekeyed)}`;
    };

    join('projector');
    join('processor');
    await progress();
    await Promise.all([groupsAt('projector', 1), groupsAt('processor', 1)]);

    const timeline: string[] = [];
    const cleanExits: (number | null)[] = [];
    for (let change = 0; change < CHANGES; change++) {
      const role: Role = change % 2 === 0 ? 'projector' : 'processor';
      const how = Math.floor(change / 2) % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
      allowed += ALLOWANCE;
      await progress();
      const joinedAt = Date.now();
      const flightAtJoin = await inFlight();
      join(role);
      await groupsAt(role, 2);
      const joinTook = seconds(joinedAt);
      const older = members[role].shift() as EaioProcess;
      const leftAt = Date.now();
      const flightAtLeave = await inFlight();
      if (how === 'SIGTERM') {
        older.child.kill('SIGTERM');
        // A clean leave ends the process by itself; a hang past the bound is a failure of its own.
        const exit = await Promise.race([older.exited(), delay(STEP_LIMIT_MS, 'hung' as const)]);
        if (exit === 'hung')
          throw new Error(`a ${role} did not stop on SIGTERM:\n${older.stderr().slice(-3_000)}`);
        cleanExits.push(exit);
      } else {
        await older.kill();
      }
      const stoppedTook = seconds(leftAt);
      await groupsAt(role, 1);
      timeline.push(
        `change ${change + 1}: a ${role} joined with ${flightAtJoin} readings in flight (to project/to re-key) (groups stable with 2 after ` +
          `${joinTook}), the older left by ${how} with ${flightAtLeave} in flight (ended after ${stoppedTook}, ` +
          `groups stable with 1 after ${seconds(leftAt)}); ${ledger.acknowledged.size} acknowledged so far`,
      );
    }

    // One member of each role runs on; the producer stops, then everything settles.
    producing = false;
    await producer;
    const flightAtEnd = await inFlight();
    const settled = await settleReadings(p, ledger, READING_STAGES, RECOVERY_LIMIT_MS);
    const derived = derivedTotals(settled.derived);
    const deadLettered = await countPipelineLetters(p);

    await writeScenarioResult({
      scenario: 'R3',
      title: 'Consumers joining and leaving every few seconds',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: settled.readings.lost.length + derived.lost,
      duplicated: settled.readings.duplicated + derived.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs: settled.recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: reproduceCommand('tests/faults/r03-membership-churn.fault.test.ts'),
      notes: [
        `${CHANGES} membership changes over ${l.count} members; exit codes of the clean leaves: ${JSON.stringify(cleanExits)}`,
        `producer: ${SLICE} readings every ${PACE_MS} ms, ${ALLOWANCE} a change, ${produced} sent`,
        ...timeline,
        `in flight when the producer stopped (to project/to re-key): ${flightAtEnd}`,
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
    expect(
      cleanExits.every((code) => code === 0),
      `clean leaves exit 0: ${JSON.stringify(cleanExits)}`,
    ).toBe(true);
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
    for (const role of ['projector', 'processor'] as const) {
      expect(members[role].length).toBe(1);
      expect(members[role][0]?.child.exitCode, members[role][0]?.stderr()).toBeNull();
    }
  });
});
