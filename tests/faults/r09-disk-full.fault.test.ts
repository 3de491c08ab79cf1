import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { hourlyReadings } from '../support/readings.ts';
import type { EaioProcess } from '../support/spawn-eaio.ts';
import { waitFor } from '../support/wait-for.ts';
import { countMessages } from './support/event-checks.ts';
import { createFaultPlatform, type FaultPlatform } from './support/fault-platform.ts';
import { failing, readReadiness, startProjectorWithHealth } from './support/health-probe.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';
import { type OwnPostgres, startOwnPostgres } from './support/own-services.ts';
import { type PrivateBroker, startPrivateBroker } from './support/private-broker.ts';

// R9 (docs/reliability.md): the disk under PostgreSQL, then the one under the broker, fills up
// while producers keep sending. The platform must say so in its readiness, lose no acknowledged
// event, dead-letter nothing for it, and resume on its own once the space is back.
const PER_PHASE = sized({ meters: 10, hours: 200 }, { meters: 40, hours: 500 });
const RECOVERY_LIMIT_MS = sized(60_000, 120_000);
/** The broker's includes a supervised JVM restart and the sources' send back-off (up to 15 s). */
const BROKER_RECOVERY_LIMIT_MS = sized(180_000, 240_000);
const REPRODUCE = 'npx vitest run tests/faults/r09-disk-full.fault.test.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  // Last started, first stopped; every step runs whatever the others did.
  for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(e));
}, 180_000);

async function startProjector(platform: FaultPlatform): Promise<{ proc: EaioProcess; health: string }> {
  const started = await startProjectorWithHealth(platform.childEnv);
  cleanups.push(() => started.proc.kill());
  return started;
}

function readingsOf(building: string, startDay: number) {
  return hourlyReadings(building, PER_PHASE.meters, PER_PHASE.hours, Date.UTC(2026, 0, startDay));
}

/** Waits until the read model holds every acknowledged event; returns when that was. */
async function untilComplete(ledger: AckLedger, platform: FaultPlatform, timeoutMs: number): Promise<number> {
  await waitFor(
    `every acknowledged event of ${ledger.scenario} in the readings table`,
    async () => ((await ledger.checkReadings(platform.pool)).lost.length === 0 ? true : undefined),
    { timeoutMs, intervalMs: 250 },
  );
  return performance.now();
}

describe('R9: the disk full for PostgreSQL', () => {
  it('PostgreSQL out of space: readiness says so, nothing acknowledged is lost, it resumes by itself', async () => {
    const started = performance.now();
    const ledger = new AckLedger('r9-postgres');
    const pg: OwnPostgres = await startOwnPostgres('eaio_r9', 256);
    cleanups.push(() => pg.stop());
    const platform = await createFaultPlatform('r9pg', { postgresUrl: pg.url });
    cleanups.push(() => platform.dispose());
    const deps = await platform.feedDeps();
    const { proc, health } = await startProjector(platform);

    // Before: the pipeline works.
    expect(await ledger.publish(deps, readingsOf('R9pgA', 1))).toEqual([]);
    await untilComplete(ledger, platform, 60_000);
    // Ready (the first answer may still carry a check from the projector's start-up).
    await waitFor('readiness 200 before the fault', async () =>
      (await readReadiness(health))?.status === 200 ? true : undefined,
    );

    // The disk fills up; producers go on (Kafka still takes their events).
    const filled = await pg.disk.fill();
    expect(await pg.disk.free()).toBeLessThan(1 << 20);
    expect(await ledger.publish(deps, readingsOf('R9pgB', 30))).toEqual([]);
    const whileFull = await waitFor(
      'readiness naming PostgreSQL out of disk space',
      async () => {
        const answer = await readReadiness(health);
        const check = failing(answer, 'projector-writes');
        return check && /out of disk space/.test(check.reason ?? '') ? { answer, check } : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(whileFull.answer?.status).toBe(503);
    expect(whileFull.check.reason).toMatch(/No space left on device/);
    // The platform stopped taking the work in: the read model does not hold what was sent since.
    const stalled = await ledger.checkReadings(platform.pool);
    expect(stalled.lost.length).toBeGreaterThan(0);
    expect(proc.child.exitCode).toBeNull();

    // Space back: no restart, no command; the projector's redelivered batches go through.
    await pg.disk.release();
    const freed = performance.now();
    const recovered = await untilComplete(ledger, platform, RECOVERY_LIMIT_MS);
    await waitFor('readiness back to 200', async () =>
      (await readReadiness(health))?.status === 200 ? true : undefined,
    );

    const check = await ledger.checkReadings(platform.pool);
    const deadLettered = await countMessages(platform.kafka, [platform.names.deadLetter('sensorReadings')]);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(deadLettered).toBe(0);
    const recoveryMs = Math.round(recovered - freed);
    expect(recoveryMs).toBeLessThan(RECOVERY_LIMIT_MS);
    await writeScenarioResult({
      scenario: 'r9-postgres',
      title: 'PostgreSQL data folder (tmpfs) full while the projector writes',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: check.lost.length,
      duplicated: check.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: REPRODUCE,
      notes: [
        `filler ${Math.round(filled / 2 ** 20)} MiB on a 256 MiB tmpfs; ${stalled.rows} of ${ledger.acknowledged.size} rows stored while full`,
        `readiness while full: ${whileFull.check.name}: ${whileFull.check.reason}`,
        `file took ${Math.round((performance.now() - started) / 1000)} s`,
      ],
    });
  });
});

/**
 * What a service manager does for a broker (systemd `Restart=on-failure`, a pod restart): whenever
 * its process is gone, start it again, backing off while each start fails (the disk still full).
 */
function superviseBroker(broker: PrivateBroker): {
  restarts(): number;
  failedStarts(): number;
  stop(): Promise<void>;
} {
  let running = true;
  let restarts = 0;
  let failedStarts = 0;
  const loop = (async () => {
    let backoffMs = 500;
    while (running) {
      if ((await broker.pid()) === undefined) {
        try {
          await broker.start();
          restarts++;
          backoffMs = 500;
        } catch {
          failedStarts++;
          backoffMs = Math.min(backoffMs * 2, 5_000);
        }
      }
      await waitFor('the next look at the broker', async () => (running ? undefined : true), {
        timeoutMs: backoffMs,
        intervalMs: 100,
      }).catch(() => undefined);
    }
  })();
  return {
    restarts: () => restarts,
    failedStarts: () => failedStarts,
    async stop() {
      running = false;
      await loop;
    },
  };
}

describe('R9: the disk full for the broker', () => {
  it('the broker out of space halts; readiness says so, nothing acknowledged is lost, it resumes when space is back', async () => {
    const started = performance.now();
    const ledger = new AckLedger('r9-broker');
    const broker = await startPrivateBroker({ logDirMb: 128 });
    cleanups.push(() => broker.dispose());
    const platform = await createFaultPlatform('r9k', { kafkaBrokers: [...broker.brokers] });
    cleanups.push(async () => {
      // The topics go with the broker; only the schema and keys need dropping, whatever Kafka's state.
      await platform.dispose();
    });
    const deps = await platform.feedDeps();
    const { proc, health } = await startProjector(platform);
    const disk = broker.disk;
    if (disk === undefined) throw new Error('the broker was started without a disk of its own');

    expect(await ledger.publish(deps, readingsOf('R9kA', 1))).toEqual([]);
    await untilComplete(ledger, platform, 60_000);
    // Ready (the first answer may still carry a check from the projector's start-up).
    await waitFor('readiness 200 before the fault', async () =>
      (await readReadiness(health))?.status === 200 ? true : undefined,
    );

    // The disk fills; the next append fails the broker's only log dir and Kafka halts the broker.
    const supervisor = superviseBroker(broker);
    cleanups.push(() => supervisor.stop());
    const filled = await disk.fill();
    expect(await disk.free()).toBeLessThan(1 << 20);
    // Sent in the background: the sends ride out the outage (sources retry) and resolve once it ends.
    const sending = ledger.publish(deps, readingsOf('R9kB', 30));
    const whileFull = await waitFor(
      'the broker halted and the projector not ready on kafka',
      async () => {
        if (supervisor.restarts() + supervisor.failedStarts() === 0) return undefined;
        const answer = await readReadiness(health);
        const check = failing(answer, 'kafka');
        return check ? { answer, check } : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(whileFull.answer?.status).toBe(503);
    // Kafka's own words for the halt (the log is appended to across restarts).
    expect(await readFile(broker.logFile, 'utf8')).toMatch(/No space left on device/);
    expect(proc.child.exitCode).toBeNull();

    await disk.release();
    const freed = performance.now();
    const errors = await sending;
    expect(errors.map((e) => e.message)).toEqual([]);
    const recovered = await untilComplete(ledger, platform, BROKER_RECOVERY_LIMIT_MS);
    await waitFor('readiness back to 200', async () =>
      (await readReadiness(health))?.status === 200 ? true : undefined,
    );
    await supervisor.stop();

    const check = await ledger.checkReadings(platform.pool);
    const deadLettered = await countMessages(platform.kafka, [platform.names.deadLetter('sensorReadings')]);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(deadLettered).toBe(0);
    expect(proc.child.exitCode).toBeNull();
    const recoveryMs = Math.round(recovered - freed);
    await writeScenarioResult({
      scenario: 'r9-broker',
      title: "the broker's log dir (tmpfs) full while producers send",
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: check.lost.length,
      duplicated: check.duplicated,
      poisonSent: 0,
      deadLettered,
      recoveryMs,
      recoveryLimitMs: BROKER_RECOVERY_LIMIT_MS,
      reproduce: REPRODUCE,
      notes: [
        `filler ${Math.round(filled / 2 ** 20)} MiB on a 128 MiB tmpfs; broker restarts ${supervisor.restarts()}, failed starts while full ${supervisor.failedStarts()}`,
        `readiness while full: ${whileFull.check.name}: ${whileFull.check.reason}`,
        `file took ${Math.round((performance.now() - started) / 1000)} s`,
      ],
    });
  });
});
