import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeKafka } from '../../infra/stack/kafka-service.ts';
import { loadBdg1Fleet, loadBdg1WeatherReplay, simulatedReadingId } from '../../sources/index.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkReadingsAndOutput, recoveryOfReadingsAndOutput } from './support/event-checks.ts';
import { startWithHealth } from './support/health-probe.ts';
import {
  AckLedger,
  childrenLog,
  faultSize,
  reproduceCommand,
  sized,
  writeFaultLog,
  writeScenarioResult,
} from './support/ledger.ts';
import { startPacedProducer } from './support/paced-producer.ts';
import { type PrivateBroker, startPrivateBroker } from './support/private-broker.ts';

/**
 * R6: the test's own broker goes away for a long time (SIGKILL; under FAULTS_SIZE=full three
 * minutes, then a graceful stop as well) while a real source runs (`eaio simulate`, live, one
 * reading per meter per second), this test's producer keeps sending (its sends block and retry), and
 * the projector and the readings-by-building processor run as child processes. Then the broker
 * comes back on the same data: every process carries on by itself, and the read model and the
 * processor's output hold every acknowledged event once.
 */
const OUTAGES: readonly { readonly how: 'kill' | 'term'; readonly ms: number }[] = sized(
  [{ how: 'kill', ms: 25_000 }],
  [
    { how: 'kill', ms: 180_000 },
    { how: 'term', ms: 60_000 },
  ],
);
const SIM = { buildings: 10, seed: 6 };
/** Simulated steps (one a second) before the first outage, and after each for the broker's restart. */
const STEPS_BEFORE = 8;
const STEPS_AFTER = 10;
const CHUNK = 100;
const PACE_MS = 250;
const RECOVERY_LIMIT_MS = sized(60_000, 120_000);

/** The event ids `eaio simulate` gives its first `count` readings (no faults: generated in this order). */
async function simulatedIds(start: Date, count: number): Promise<string[]> {
  const weather = await loadBdg1WeatherReplay();
  const fleet = await loadBdg1Fleet(SIM.buildings, SIM.seed, weather.stationIds);
  const ids: string[] = [];
  for (let t = start.getTime(); ids.length < count; t += 1_000)
    for (const meter of fleet.meters) {
      if (ids.length === count) break;
      ids.push(simulatedReadingId(SIM.seed, meter.meterId, new Date(t)));
    }
  return ids;
}

describe('R6: the broker down for minutes while producers buffer and sources retry', () => {
  let broker: PrivateBroker | undefined;
  let platform: TestPlatform | undefined;
  const children: EaioProcess[] = [];

  beforeAll(async () => {
    broker = await startPrivateBroker();
    platform = await createTestPlatform('r06', { kafkaBrokers: broker.brokers });
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await writeFaultLog('r06-children.log', childrenLog(children)).catch(() => undefined);
    // The broker may be down when a failed assertion lands here: bring it back so the topics go.
    await broker?.start().catch(() => undefined);
    await platform?.dispose().catch(() => undefined);
    await broker?.dispose();
  });

  it('loses and duplicates no acknowledged event, and everyone carries on when it is back', async () => {
    const p = platform as TestPlatform;
    const b = broker as PrivateBroker;
    const ledger = new AckLedger('r06');
    const deps = await p.feedDeps();
    const weather = await loadBdg1WeatherReplay();
    const meters = (await loadBdg1Fleet(SIM.buildings, SIM.seed, weather.stationIds)).meters.length;
    const outageSeconds = OUTAGES.reduce((s, o) => s + o.ms / 1000, 0);
    // Enough one-second steps to run through every outage and the restarts, then stop by itself.
    const steps = STEPS_BEFORE + outageSeconds + OUTAGES.length * STEPS_AFTER;
    const count = steps * meters;

    const projector = spawnEaio(['project'], p.childEnv);
    // Running before the broker goes: a processor still preparing the platform would end on it.
    const { proc: processor } = await startWithHealth(['process', 'readings-by-building'], p.childEnv);
    const simulator = spawnEaio(
      [
        'simulate',
        '--buildings',
        String(SIM.buildings),
        '--seed',
        String(SIM.seed),
        '--interval',
        '1s',
        '--speed',
        '1',
        // Live from its own start (which can take a minute on a loaded machine): its summary says when.
        '--backfill',
        '0',
        '--count',
        String(count),
        '--json',
      ],
      p.childEnv,
    );
    children.push(projector, processor, simulator);

    const producer = startPacedProducer(ledger, deps, {
      prefix: 'r06',
      meters: 4,
      perSend: CHUNK,
      paceMs: PACE_MS,
    });
    const { errors } = producer;

    // Everything flows before the broker goes: the source's readings reach the read model.
    await waitFor(
      'the simulator and the producer projected',
      async () => {
        const { rows } = await p.pool.query<{ source: string }>('SELECT DISTINCT source FROM readings');
        return rows.length === 2 ? true : undefined;
      },
      // Generous: the children take a minute or more to start on a loaded two-core machine.
      { timeoutMs: 180_000, intervalMs: 250 },
    );

    const timeline: string[] = [];
    let backAt = 0;
    for (const outage of OUTAGES) {
      const acked = ledger.acknowledged.size;
      const stoppedAt = Date.now();
      await b.stop(outage.how);
      expect(await probeKafka([...b.brokers])).toBe(false);
      await delay(outage.ms);
      expect(
        simulator.child.exitCode,
        `the source gave up while the broker was away:\n${simulator.stderr()}`,
      ).toBeNull();
      const restartAt = Date.now();
      await b.start();
      backAt = Date.now();
      timeline.push(
        `${outage.how === 'kill' ? 'SIGKILL' : 'SIGTERM'}, down ${((restartAt - stoppedAt) / 1000).toFixed(0)} s, ` +
          `restarted in ${((backAt - restartAt) / 1000).toFixed(1)} s; producer acknowledgements meanwhile: ${ledger.acknowledged.size - acked}`,
      );
    }

    // The source finishes its count by itself, having retried through the outages.
    const exit = await Promise.race([
      simulator.exited(),
      delay(RECOVERY_LIMIT_MS + STEPS_AFTER * 1_000, 'timeout'),
    ]);
    expect(exit, `the simulator did not finish:\n${simulator.stderr()}`).toBe(0);
    const summary = JSON.parse(simulator.stdout().trim().split('\n').at(-1) ?? '{}') as {
      readings?: number;
      from?: string;
    };
    expect(summary.readings).toBe(count);
    ledger.recordAcked(await simulatedIds(new Date(summary.from ?? 0), summary.readings ?? 0));
    await producer.stop();

    const recoveryMs = await recoveryOfReadingsAndOutput(p, ledger, backAt, RECOVERY_LIMIT_MS);
    const { table, output, deadLettered } = await checkReadingsAndOutput(p, ledger);
    await writeScenarioResult({
      scenario: 'r06',
      title: 'The broker down for minutes while producers buffer and sources retry',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: table.lost.length + output.lost.length,
      duplicated: table.duplicated + output.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: reproduceCommand('tests/faults/r06-broker-down.fault.test.ts'),
      notes: [
        ...timeline,
        `simulator: ${summary.readings} readings of ${meters} meters acknowledged, exit ${exit}`,
        `readings table: ${table.rows} rows, ${table.unacknowledgedStored} of events never acknowledged`,
        `processor output: ${output.count} events, ${output.unacknowledgedStored} never acknowledged`,
        `producer send errors: ${errors.length}`,
      ],
    });

    expect(table.lost).toEqual([]);
    expect(table.duplicated).toBe(0);
    expect(output.lost).toEqual([]);
    expect(output.duplicated).toBe(0);
    expect(deadLettered).toBe(0);
    expect(recoveryMs).not.toBeNull();
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
    expect(projector.child.exitCode, projector.stderr()).toBeNull();
    expect(processor.child.exitCode, processor.stderr()).toBeNull();
  });
});
