import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EaioProcess } from '../support/spawn-eaio.ts';
import { spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkReadingsAndOutput, recoveryOfReadingsAndOutput } from './support/event-checks.ts';
import { createFaultProxy, type FaultProxy, type ProxyFaults } from './support/fault-proxy.ts';
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
 * R5: every client (this test's producer, the projector and the readings-by-building processor as
 * child processes) reaches a broker of the test's own only through a fault proxy, which the broker
 * advertises. The proxy blackholes it (connections accepted, no byte passes), then cuts connections
 * at random, then slows them (latency and a bandwidth cap), then heals. The producer keeps sending
 * throughout; at the end the read model and the processor's output hold every acknowledged event once.
 */
const PHASES: readonly { readonly name: string; readonly ms: number; readonly faults: ProxyFaults }[] = [
  { name: 'blackhole', ms: sized(10_000, 60_000), faults: { blackhole: true } },
  { name: 'lossy', ms: sized(10_000, 60_000), faults: { cuts: { everyMs: 1_000, probability: 0.3 } } },
  { name: 'slow', ms: sized(10_000, 60_000), faults: { latencyMs: 150, bytesPerSecond: 64 * 1024 } },
];
/** Readings per send, and the pause between sends: a steady source, bounded in count. */
const CHUNK = sized(100, 200);
const PACE_MS = 250;
const RECOVERY_LIMIT_MS = sized(60_000, 120_000);

/**
 * Where the projector stands after the wait, for reading a failure: per readings partition, the
 * `readings` projection's stored next offset against the log end, and the projector group's state
 * and members (a group stuck in a rebalance, or waiting for a member that is gone, shows here).
 */
async function projectorPositions(p: TestPlatform): Promise<string> {
  const topic = p.names.topic('sensorReadings');
  const admin = p.kafka.admin();
  try {
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    const { groups } = await admin.describeGroups([`${p.names.prefix}projector`]);
    const { rows } = await p.pool.query<{ partition: number; next_offset: string }>(
      `SELECT o.partition, o.next_offset FROM ${p.config.postgres.schema}.projection_offsets o
         JOIN ${p.config.postgres.schema}.projection_generations g USING (projection, generation)
        WHERE g.status = 'active' AND o.projection = 'readings' AND o.topic = $1`,
      [topic],
    );
    const behind = ends
      .map((e) => {
        const at = rows.find((r) => r.partition === e.partition)?.next_offset ?? 'none';
        return at === e.high ? undefined : `p${e.partition} ${at}/${e.high}`;
      })
      .filter((x) => x !== undefined);
    const group = groups[0];
    return `partitions behind: ${behind.length === 0 ? 'none' : behind.join(', ')}; group ${group?.state} with ${group?.members.length} member(s)`;
  } catch (error) {
    return `not read: ${String(error)}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

describe('R5: the broker blackholed, then lossy and slow', () => {
  let proxy: FaultProxy | undefined;
  let broker: PrivateBroker | undefined;
  let platform: TestPlatform | undefined;
  const children: EaioProcess[] = [];

  beforeAll(async () => {
    broker = await startPrivateBroker({
      advertise: async (listener) => {
        proxy = await createFaultProxy(listener, { seed: 5 });
        return proxy;
      },
    });
    platform = await createTestPlatform('r05', { kafkaBrokers: broker.brokers });
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await writeFaultLog('r05-children.log', childrenLog(children)).catch(() => undefined);
    proxy?.setFaults({});
    await platform?.dispose().catch(() => undefined);
    await proxy?.close();
    await broker?.dispose();
  });

  it('loses and duplicates no acknowledged event and recovers by itself', async () => {
    const p = platform as TestPlatform;
    const faulty = proxy as FaultProxy;
    const ledger = new AckLedger('r05');
    const deps = await p.feedDeps();
    // Info level: its consumer's joins and restarts are in the log kept below.
    const projector = spawnEaio(['project'], { ...p.childEnv, EAIO_LOG_LEVEL: 'info' });
    children.push(projector);
    // Running before the faults: a processor still preparing the platform could end on them.
    const { proc: processor } = await startWithHealth(['process', 'readings-by-building'], p.childEnv);
    children.push(processor);

    const producer = startPacedProducer(ledger, deps, {
      prefix: 'r05',
      meters: 4,
      perSend: CHUNK,
      paceMs: PACE_MS,
    });
    const { errors } = producer;

    // Healthy first: the children are up and the path works before it breaks.
    // Generous: the children start slowly on a loaded two-core machine.
    await waitFor(
      'the projector writing through the proxy',
      async () => ((await p.countReadings()) > 0 ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    const timeline: string[] = [];
    for (const phase of PHASES) {
      faulty.setFaults(phase.faults);
      const before = { acked: ledger.acknowledged.size, ...faulty.stats };
      await delay(phase.ms);
      timeline.push(
        `${phase.name} ${phase.ms / 1000} s: ${ledger.acknowledged.size - before.acked} events acknowledged, ` +
          `${faulty.stats.connections - before.connections} connections opened, ${faulty.stats.cut - before.cut} cut`,
      );
    }
    faulty.setFaults({});
    const healedAt = Date.now();
    await producer.stop();

    const recoveryMs = await recoveryOfReadingsAndOutput(p, ledger, healedAt, RECOVERY_LIMIT_MS);
    const { table, output, deadLettered } = await checkReadingsAndOutput(p, ledger);
    const whereProjectorStands = await projectorPositions(p);
    await writeScenarioResult({
      scenario: 'r05',
      title: 'The broker blackholed, then lossy and slow',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: table.lost.length + output.lost.length,
      duplicated: table.duplicated + output.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: reproduceCommand('tests/faults/r05-network-faults.fault.test.ts'),
      notes: [
        ...timeline,
        `readings table: ${table.rows} rows, ${table.unacknowledgedStored} of events never acknowledged`,
        `processor output: ${output.count} events, ${output.unacknowledgedStored} never acknowledged`,
        `producer send errors: ${errors.length}; proxy: ${JSON.stringify(faulty.stats)}`,
        `projector at the end: ${whereProjectorStands}`,
      ],
    });

    expect(ledger.acknowledged.size).toBeGreaterThan(0);
    expect(table.lost).toEqual([]);
    expect(table.duplicated).toBe(0);
    expect(output.lost).toEqual([]);
    expect(output.duplicated).toBe(0);
    expect(deadLettered).toBe(0);
    expect(recoveryMs).not.toBeNull();
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
    // Recovery without a manual step: neither consumer died and had to be started again.
    expect(projector.child.exitCode, projector.stderr()).toBeNull();
    expect(processor.child.exitCode, processor.stderr()).toBeNull();
  });
});
