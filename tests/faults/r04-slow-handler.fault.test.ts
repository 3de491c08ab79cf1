import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { checkReadingsAndOutput } from './support/event-checks.ts';
import { AckLedger, faultSize, reproduceCommand, sized, writeScenarioResult } from './support/ledger.ts';
import { committedTotal, Lives } from './support/lives.ts';
import { derivedTotals, settleReadings } from './support/settle.ts';

const BUILDING = 'Office_Bianca';
const METERS = 8;
const HOURS = sized(150, 600);
/** The session timeout the test platform gives every member (tests/support/test-platform.ts). */
const SESSION_TIMEOUT_MS = 6_000;
/** The slow member's handler stalls for three session timeouts before it commits. */
const STALL_MS = 3 * SESSION_TIMEOUT_MS;
const RECOVERY_LIMIT_MS = sized(60_000, 120_000);
const STAGE = 'readings-by-building';
/**
 * The group must move the stalled member's partitions on well before the stall ends: the session
 * timeout evicts it, and a rebalance waits at most two sessions for it (infra/kafka/group-timeouts.ts).
 */
const MOVE_ON_LIMIT_MS = STALL_MS;
/** What a commit refused because a newer producer of the same id (or the broker's timeout) fenced it says. */
const FENCED = /old epoch|fence|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/i;

describe('R4: a processor handler slower than the session timeout', () => {
  let platform: TestPlatform;
  let lives: Lives;

  beforeAll(async () => {
    platform = await createTestPlatform('r04');
    // Info level: joins, restarts and fences are in the log kept below.
    lives = new Lives({ ...platform.childEnv, EAIO_LOG_LEVEL: 'info' });
  });

  afterAll(async () => {
    await lives?.killAll();
    // The children's logs, for reading a failure (or the fence) after the fact.
    await lives?.writeLog('r04-children.log').catch(() => undefined);
    await platform?.dispose();
  });

  it('rebalances away from the slow member, fences its late commit and loses or doubles nothing', async () => {
    const started = Date.now();
    expect(Number(platform.childEnv.EAIO_KAFKA_SESSION_TIMEOUT_MS)).toBe(SESSION_TIMEOUT_MS);
    const ledger = new AckLedger('r04');
    const readings = hourlyReadings(BUILDING, METERS, HOURS).sort(
      (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
    );
    const deps = await platform.feedDeps();
    const third = Math.ceil(readings.length / 3);
    await ledger.publish(deps, readings.slice(0, third));
    const group = `${platform.names.prefix}${STAGE}`;
    const input = platform.names.topic('sensorReadings');

    lives.spawn('projector', ['project']);
    const slow = lives.spawn('slow member', ['process', STAGE, '--stall-before-commit', String(STALL_MS)]);
    await waitFor(
      'the slow member to stall before a commit',
      async () => (slow.stderr().includes('"failpoint":"stall-before-commit"') ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 100 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${slow.stderr()}`);
    });
    const stalledAt = Date.now();
    const committedAtStall = await committedTotal(platform, group, input);

    // A second member, and more readings while the first sits on an open transaction.
    const healthy = lives.spawn('second member', ['process', STAGE]);
    await ledger.publish(deps, readings.slice(third, 2 * third));
    // The stream recovers before the slow member wakes: the group moved on without it.
    await waitFor(
      'the healthy member to commit past the stalled batch',
      async () => ((await committedTotal(platform, group, input)) > committedAtStall ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 200 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${healthy.stderr()}`);
    });
    const movedOnMs = Date.now() - stalledAt;
    const stillStalled = !slow.stderr().includes('"failpoint":"stall-over"');
    const healthyLog = healthy.stderr();

    // The slow member wakes and tries to commit what it held; then more readings for both.
    await waitFor(
      'the slow member to wake',
      async () => (slow.stderr().includes('"failpoint":"stall-over"') ? true : undefined),
      { timeoutMs: STALL_MS + 60_000, intervalMs: 200 },
    );
    await ledger.publish(deps, readings.slice(2 * third));
    const settled = await settleReadings(platform, ledger, [STAGE], RECOVERY_LIMIT_MS);
    const recoveryMs = settled.recoveryMs === null ? null : Date.now() - stalledAt;
    const derived = derivedTotals(settled.derived);
    // What the slow member logged once it woke: its commit must have been refused, not written.
    const afterStall = slow.stderr().split('"failpoint":"stall-over"')[1] ?? '';
    const fenced = FENCED.test(afterStall);
    const { table, output } = await checkReadingsAndOutput(platform, ledger);

    await writeScenarioResult({
      scenario: 'r04',
      title: 'a processor handler slower than the session timeout',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: settled.readings.lost.length + derived.lost,
      duplicated: settled.readings.duplicated + derived.duplicated,
      poisonSent: 0,
      deadLettered: 0,
      recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: reproduceCommand('tests/faults/r04-slow-handler.fault.test.ts'),
      notes: [
        `stall ${STALL_MS} ms against a session timeout of ${SESSION_TIMEOUT_MS} ms; the group committed past the stalled batch ${movedOnMs} ms after the stall began (slow member still stalled then: ${stillStalled})`,
        `slow member's commit after the stall refused as fenced: ${fenced}`,
        `readings table: ${table.rows} rows; processor output (read committed): ${output.count} events, ${output.lost.length} acknowledged missing, ${output.duplicated} twice`,
        `derived topics: ${JSON.stringify(settled.derived)}`,
        `stalled: ${settled.stalled ?? 'no'}`,
        `wall time ${Math.round((Date.now() - started) / 1000)} s`,
      ],
    });

    expect(stillStalled, 'the group moved on while the slow member still held its transaction').toBe(true);
    expect(movedOnMs, healthyLog.slice(-4_000)).toBeLessThanOrEqual(MOVE_ON_LIMIT_MS);
    expect(fenced, `the slow member's late commit was refused:\n${afterStall.slice(-4_000)}`).toBe(true);
    expect(output.lost).toEqual([]);
    expect(output.duplicated).toBe(0);
    expect(settled.readings.lost).toEqual([]);
    expect(settled.readings.duplicated).toBe(0);
    for (const d of settled.derived)
      expect({ topic: d.topic, lost: d.lost, duplicated: d.duplicated, unexpected: d.unexpected }).toEqual({
        topic: d.topic,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
      });
    expect(recoveryMs, `recovered within ${RECOVERY_LIMIT_MS} ms: ${settled.stalled}`).not.toBeNull();
  });
});
