import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningProcessors,
  type RunningProjector,
  runProcessors,
  runProjector,
} from '../../app/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { readDeadLetters, unmatchedByConsumer } from './support/dead-letters.ts';
import { READING_STAGES } from './support/derived.ts';
import { AckLedger, faultSize, reproduceCommand, sized, writeScenarioResult } from './support/ledger.ts';
import { POISON_KINDS } from './support/poison.ts';
import { type RawRecord, sendRawRecords } from './support/raw-records.ts';
import { derivedTotals, settleReadings } from './support/settle.ts';

const BUILDING = 'Office_Evelyn';
const METERS = sized(8, 40);
const HOURS = sized(400, 1_500);
/** One poison record per 100 good readings, the kinds taken in turn. */
const POISON_EVERY = 100;
const RECOVERY_LIMIT_MS = sized(90_000, 240_000);
/** Every consumer of the readings topic; each must dead-letter each poison record itself. */
const CONSUMERS = [
  'projector',
  ...READING_STAGES.filter((s) => s !== 'building-aggregates').map((s) => `processor:${s}`),
];

describe('R10: 1% poison of every kind the decoder and validator meet, among good readings', () => {
  let platform: TestPlatform;
  let projector: RunningProjector | undefined;
  let processors: RunningProcessors | undefined;

  beforeAll(async () => {
    platform = await createTestPlatform('r10');
  });

  afterAll(async () => {
    await projector?.stop();
    await processors?.stop();
    await platform?.dispose();
  });

  it('dead-letters every poison record with its reason, by every consumer, and projects every good reading once', async () => {
    const started = Date.now();
    const ledger = new AckLedger('R10');
    const good = hourlyReadings(BUILDING, METERS, HOURS).sort(
      (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime(),
    );
    // A valid reading under a bad key (none, or another meter's) is not poison: the value is the event,
    // the key only routes it. Each has a meter of its own, so no meter's readings are split over partitions.
    const badKeys: { reading: SensorReading; key: string | null }[] = [0, 1, 2, 3].map((i) => ({
      reading: { ...(good[i] as SensorReading), eventId: randomUUID(), meterId: `${BUILDING}:badkey${i}` },
      key: i % 2 === 0 ? null : `${BUILDING}:m0`,
    }));

    processors = await runProcessors(platform, { processors: READING_STAGES });
    projector = await runProjector(platform);
    const deps = await platform.feedDeps();
    const poisonByKind = new Map<string, number>();
    let poisonSent = 0;
    for (let i = 0; i < good.length; i += POISON_EVERY) {
      const slice = good.slice(i, i + POISON_EVERY);
      const cut = Math.floor(slice.length / 2);
      await ledger.publish(deps, slice.slice(0, cut));
      const kind = POISON_KINDS[(i / POISON_EVERY) % POISON_KINDS.length];
      if (kind === undefined) throw new Error('no poison kinds');
      const record: RawRecord = {
        id: `poison-${i}`,
        ...(await kind.make(platform.codec, slice[0] as SensorReading)),
      };
      const [acked] = await sendRawRecords(platform, 'sensorReadings', [record], ledger);
      if (acked !== undefined) {
        ledger.recordPoison(acked, kind.reason);
        poisonByKind.set(kind.kind, (poisonByKind.get(kind.kind) ?? 0) + 1);
        poisonSent += 1;
      }
      await ledger.publish(deps, slice.slice(cut));
    }
    const badKeyAcked = await sendRawRecords(
      platform,
      'sensorReadings',
      await Promise.all(
        badKeys.map(async ({ reading, key }) => ({
          id: reading.eventId,
          key,
          value: await platform.codec.encode('sensorReadings', reading),
        })),
      ),
      ledger,
    );
    ledger.recordAcked(badKeyAcked);

    const settled = await settleReadings(platform, ledger, READING_STAGES, RECOVERY_LIMIT_MS);
    const letters = await readDeadLetters(platform, 'sensorReadings');
    const unmatched = ledger.unmatchedPoison(letters);
    const unmatchedPerConsumer = unmatchedByConsumer(letters, ledger.poison, CONSUMERS);
    // Good readings must never be dead-lettered.
    const goodLettered = letters.filter((l) => ledger.acknowledged.has(l.key)).length;
    const derived = derivedTotals(settled.derived);
    const lettersByReason = new Map<string, number>();
    for (const l of letters) lettersByReason.set(l.code, (lettersByReason.get(l.code) ?? 0) + 1);

    await writeScenarioResult({
      scenario: 'R10',
      title: '1% poison of every kind among good readings',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: settled.readings.lost.length + derived.lost,
      duplicated: settled.readings.duplicated + derived.duplicated,
      poisonSent,
      deadLettered: poisonSent - unmatched.length,
      recoveryMs: settled.recoveryMs,
      recoveryLimitMs: RECOVERY_LIMIT_MS,
      reproduce: reproduceCommand('tests/faults/r10-poison-mix.fault.test.ts'),
      notes: [
        `poison kinds sent: ${JSON.stringify(Object.fromEntries(poisonByKind))}`,
        `letters by code (all consumers): ${JSON.stringify(Object.fromEntries(lettersByReason))}`,
        `(poison, consumer) pairs without a letter: ${unmatchedPerConsumer.length} of ${poisonSent * CONSUMERS.length}`,
        `bad-key readings (valid value, null or foreign key) acknowledged and projected: ${badKeyAcked.length}`,
        `derived topics: ${JSON.stringify(settled.derived)}`,
        `processor read models: ${JSON.stringify(settled.tables)}`,
        `stalled: ${settled.stalled ?? 'no'}`,
        `wall time ${Math.round((Date.now() - started) / 1000)} s`,
      ],
    });

    expect(poisonByKind.size, 'every poison kind sent').toBe(POISON_KINDS.length);
    expect(unmatched, 'poison records without a letter giving their reason').toEqual([]);
    expect(unmatchedPerConsumer, 'a consumer that did not dead-letter a poison record').toEqual([]);
    expect(goodLettered, 'good readings dead-lettered').toBe(0);
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
    expect(settled.recoveryMs, 'settled within the bound').not.toBeNull();
  });
});
