import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../support/processor-runs.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkReadingsAndOutput, recoveryOfReadingsAndOutput } from './support/event-checks.ts';
import { startKafkaCluster, type TestKafkaCluster } from './support/kafka-cluster.ts';
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

/**
 * R1: on a three-broker cluster of the test's own (`eaio stack up --brokers 3`'s code), the node
 * leading the most readings partitions is SIGKILLed mid-stream and restarted. The producer keeps
 * sending through the outage (acks=all, min.insync.replicas=2: two live replicas still acknowledge);
 * the projector and the readings-by-building processor run unchanged as child processes. Every
 * acknowledged event must end up once in the readings table and once in the processor's output.
 */
const CHUNK = 50;
const PACE_MS = 100;
/** Acknowledged events before the kill, during the outage and after the restart. */
const PHASE_EVENTS = sized(1_500, 10_000);
const OUTAGE_MS = sized(12_000, 60_000);
const RECOVERY_LIMIT_MS = sized(90_000, 120_000);
const REPRODUCE = reproduceCommand('tests/faults/r01-leader-kill.fault.test.ts');

describe('R1: the partition leader killed with kill -9 mid-stream and restarted (three brokers)', () => {
  let cluster: TestKafkaCluster | undefined;
  let platform: TestPlatform | undefined;
  const children: EaioProcess[] = [];

  beforeAll(async () => {
    cluster = await startKafkaCluster((line) => process.stderr.write(`[r01 cluster] ${line}\n`));
    platform = await createTestPlatform('r01', { kafkaBrokers: cluster.brokers });
  }, 420_000);

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await writeFaultLog('r01-children.log', childrenLog(children)).catch(() => undefined);
    await cluster?.start().catch(() => undefined);
    await platform?.dispose().catch(() => undefined);
    await cluster?.dispose();
  }, 300_000);

  it('loses and duplicates no acknowledged event, and the pipeline carries on by itself', async () => {
    const p = platform as TestPlatform;
    const c = cluster as TestKafkaCluster;
    const readingsTopic = p.names.topic('sensorReadings');

    // The catalogue on three brokers: three replicas per partition, two in sync to acknowledge.
    const admin = p.kafka.admin();
    await admin.connect();
    const leaders = async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [readingsTopic] });
      return topics[0]?.partitions ?? [];
    };
    try {
      const partitions = await leaders();
      expect(partitions.length).toBeGreaterThan(0);
      for (const part of partitions) expect(part.replicas).toHaveLength(3);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: readingsTopic, configNames: ['min.insync.replicas'] }],
      });
      expect(
        resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue,
      ).toBe('2');

      const ledger = new AckLedger('r01');
      const deps = await p.feedDeps();
      const projector = spawnEaio(['project'], p.childEnv);
      const processor = spawnEaio(['process', 'readings-by-building'], p.childEnv);
      children.push(projector, processor);

      const producer = startPacedProducer(ledger, deps, {
        prefix: 'r01',
        meters: 2,
        perSend: CHUNK,
        paceMs: PACE_MS,
      });
      const { errors } = producer;
      const acknowledgedAtLeast = (n: number, what: string, timeoutMs: number) =>
        waitFor(what, async () => (ledger.acknowledged.size >= n ? true : undefined), {
          timeoutMs,
          intervalMs: 100,
        });

      // Flowing end to end before the fault.
      await waitFor(
        'the projector and the processor at work',
        async () => ((await p.countReadings()) > 0 ? true : undefined),
        { timeoutMs: 180_000, intervalMs: 250 },
      );
      await acknowledgedAtLeast(PHASE_EVENTS, `${PHASE_EVENTS} events acknowledged before the kill`, 120_000);

      const perNode = new Map<number, number>();
      for (const part of await leaders()) perNode.set(part.leader, (perNode.get(part.leader) ?? 0) + 1);
      const [victim, led] = [...perNode].sort((a, b) => b[1] - a[1])[0] ?? [1, 0];
      const ackedAtKill = ledger.acknowledged.size;
      await c.kill(victim);
      const killedAt = Date.now();
      // Two replicas of three still form the in-sync set the topic asks for: sends keep being acknowledged.
      await acknowledgedAtLeast(ackedAtKill + CHUNK * 10, 'acknowledgements with one node down', 60_000);
      await delay(Math.max(0, OUTAGE_MS - (Date.now() - killedAt)));
      const ackedInOutage = ledger.acknowledged.size - ackedAtKill;
      const restartFrom = Date.now();
      await c.start();
      const backAt = Date.now();
      const ackedAtRestart = ledger.acknowledged.size;
      await acknowledgedAtLeast(
        ackedAtRestart + PHASE_EVENTS,
        'events acknowledged after the restart',
        120_000,
      );
      await producer.stop();
      const leadersAfter = new Set((await leaders()).map((part) => part.leader));

      const recoveryMs = await recoveryOfReadingsAndOutput(p, ledger, backAt, RECOVERY_LIMIT_MS);
      const { table, output, deadLettered } = await checkReadingsAndOutput(p, ledger);
      // Where a shortfall sits: missing from the log itself (lost by Kafka) or on it and not consumed.
      const onLog = new Map(
        (await readEvents(p, 'sensorReadings')).map((e) => [e.value.eventId, e.partition]),
      );
      const lostOnLog = table.lost.filter((id) => onLog.has(id));
      await writeScenarioResult({
        scenario: 'r01',
        title: 'The partition leader killed with kill -9 mid-stream and restarted (three brokers)',
        size: faultSize(),
        acknowledged: ledger.acknowledged.size,
        unacknowledged: ledger.unacknowledged.size,
        lost: table.lost.length + output.lost.length,
        duplicated: table.duplicated + output.duplicated,
        poisonSent: 0,
        deadLettered,
        recoveryMs,
        recoveryLimitMs: RECOVERY_LIMIT_MS,
        reproduce: REPRODUCE,
        notes: [
          `cluster start ${(c.startMs / 1000).toFixed(1)} s; node ${victim} (leader of ${led} of ${perNode.size ? [...perNode.values()].reduce((a, b) => a + b, 0) : 0} readings partitions) SIGKILLed after ${ackedAtKill} acknowledged`,
          `${ackedInOutage} acknowledged during the ${Math.round((restartFrom - killedAt) / 1000)} s outage; restart took ${((backAt - restartFrom) / 1000).toFixed(1)} s`,
          `leaders after: nodes ${[...leadersAfter].sort().join(', ')}`,
          `readings table: ${table.rows} rows, ${table.unacknowledgedStored} of events never acknowledged`,
          `processor output: ${output.count} events, ${output.unacknowledgedStored} never acknowledged`,
          `lost from the table: ${table.lost.length}, of which on the log ${lostOnLog.length} (partitions ${[...new Set(lostOnLog.map((id) => onLog.get(id)))].join(', ')}); readings on the log ${onLog.size}`,
          `producer send errors: ${errors.length}${errors[0] ? ` (first: ${errors[0].message})` : ''}`,
        ],
      });

      expect(errors.map((e) => e.message)).toEqual([]);
      expect(ackedInOutage).toBeGreaterThan(0);
      expect(table.lost).toEqual([]);
      expect(table.duplicated).toBe(0);
      expect(output.lost).toEqual([]);
      expect(output.duplicated).toBe(0);
      expect(deadLettered).toBe(0);
      expect(recoveryMs).not.toBeNull();
      expect(projector.child.exitCode, projector.stderr()).toBeNull();
      expect(processor.child.exitCode, processor.stderr()).toBeNull();
    } finally {
      await admin.disconnect();
    }
  });
});
