import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dlqList } from '../../app/commands/index.ts';
import { runDeadLetterIndex } from '../../app/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import {
  groupLettersByRecord,
  listDeadLetters,
  PROCESSORS,
  redriveDeadLetters,
} from '../../processors/index.ts';
import {
  type DeadLetterSummary,
  queryDeadLetters,
  type RunningDeadLetterIndex,
} from '../../projections/index.ts';
import { HOUR_MS, type SensorReading } from '../../schemas/index.ts';
import {
  createDeadLetterPublisher,
  type DeadLetterEntry,
  REDRIVE_HEADERS,
} from '../../stream-runtime/index.ts';
import { type EaioProcess, spawnEaio } from '../support/spawn-eaio.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';
import { AckLedger, faultSize, sized, writeScenarioResult } from './support/ledger.ts';

/**
 * R13 (issue 16): poison records produced into the readings topic with every consumer of it running
 * (the projector and the four reading processors, as `npm start` runs them, here as child processes).
 * Each consumer writes its own letter for a record it refuses; the letters must name it, listings
 * must show the record once, and a re-drive must send each record back once and reach only the
 * consumers that refused it, so no read-model row or derived event counts a record twice.
 */

const SCENARIO = 'r13-redrive';
const BUILDING = 'Office_R13';
const METERS = 4;
const HOURS = 24;
const START = Date.UTC(2016, 2, 1);
/** Undecodable records (not a Confluent frame), as the new user produced 200 of. */
const POISON = sized(40, 200);
/** Hours (of every meter) whose readings two processors failed on, for a cause a re-drive cures. */
const CURED_HOURS = sized([17], [16, 17, 18]);
/** The consumers of the readings topic: the projector and every processor reading it. */
const READINGS_CONSUMERS = [
  'projector',
  ...Object.values(PROCESSORS)
    .filter((p) => 'input' in p && p.input === 'sensorReadings')
    .map((p) => `processor:${p.name}`),
].sort();
/** The processors that failed on the cured readings (an operator bug since fixed, say). */
const FAILED = ['processor:anomalies', 'processor:reading-aggregates'];

describe('R13: dead letters and re-drive across consumers', () => {
  let platform: TestPlatform;
  let index: RunningDeadLetterIndex | undefined;
  const children: EaioProcess[] = [];
  const ledger = new AckLedger('R13');
  const started = Date.now();
  let validCount = 0;
  const curedPositions: string[] = [];
  let curedReadings: SensorReading[] = [];
  let sourceEndBefore = 0;
  let redriveStdout = '';
  let recoveryMs: number | null = null;
  let listStdout = '';
  /** Seconds from the start to the end of each phase, for the scenario's notes. */
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${Math.round((Date.now() - started) / 100) / 10} s`);

  const dlq = () => listDeadLetters(platform, 'sensorReadings');
  const lettersAtLeast = (count: number): Promise<DeadLetterEntry[]> =>
    waitFor(
      `${count} dead letters on sensor-readings.dlq`,
      async () => {
        const found = await dlq();
        return found.length >= count ? found : undefined;
      },
      // Full-sized, five consumers dead-letter 200 records each on a shared 2-core machine: give them time.
      { timeoutMs: sized(120_000, 300_000), intervalMs: 500 },
    );
  const sourceCount = async () =>
    (await readTopicToEnd(platform.kafka, platform.names.topic('sensorReadings'))).length;

  beforeAll(async () => {
    platform = await createTestPlatform('r13');
    children.push(spawnEaio(['project'], platform.childEnv));
    children.push(spawnEaio(['process', 'all'], platform.childEnv));
    index = await runDeadLetterIndex(platform);
    phase('consumers spawned, index running');

    const deps = await platform.feedDeps();
    const all: SensorReading[] = [];
    for (let m = 0; m < METERS; m++) {
      for (let h = 0; h < HOURS; h++) {
        all.push({
          eventId: randomUUID(),
          occurredAt: new Date(START + h * HOUR_MS),
          source: 'r13',
          buildingId: BUILDING,
          meterId: `${BUILDING}:m${m}`,
          meterKind: 'electricity',
          value: 10 * m + h + 0.25,
          unit: 'kWh',
        });
      }
    }
    const isCured = (r: SensorReading) => CURED_HOURS.includes((r.occurredAt.getTime() - START) / HOUR_MS);
    curedReadings = all.filter(isCured);
    const valid = all.filter((r) => !isCured(r));
    // Per meter in time order: the cured hours are produced in their place in the series.
    const byMeter = (r: SensorReading) => r.meterId;
    for (const meter of new Set(all.map(byMeter))) {
      let run: SensorReading[] = [];
      const flush = async () => {
        expect(await ledger.publish(deps, run)).toEqual([]);
        run = [];
      };
      for (const reading of all.filter((r) => r.meterId === meter)) {
        if (!isCured(reading)) {
          run.push(reading);
          continue;
        }
        await flush();
        // The processors in FAILED fail on this reading: they pass the original over (its copy-for
        // header names the others, as a re-driven copy would) and their letters, written through the
        // runtime's own publisher, name them with the process stage an operator failure gets.
        const value = await platform.codec.encode('sensorReadings', reading);
        const [meta] = await deps.producer.send({
          topic: platform.names.topic('sensorReadings'),
          acks: -1,
          messages: [
            {
              key: reading.meterId,
              value,
              headers: {
                [REDRIVE_HEADERS.for]: READINGS_CONSUMERS.filter((c) => !FAILED.includes(c)).join(','),
              },
            },
          ],
        });
        if (meta === undefined) throw new Error('no send metadata');
        ledger.recordAcked([reading.eventId]);
        await createDeadLetterPublisher(deps.producer).publish(
          platform.names.deadLetter('sensorReadings'),
          FAILED.map((consumer) => ({
            sourceTopic: platform.names.topic('sensorReadings'),
            sourcePartition: meta.partition,
            message: {
              key: Buffer.from(reading.meterId),
              value,
              headers: {},
              offset: meta.baseOffset ?? '0',
              timestamp: '0',
              attributes: 0,
            },
            error: new Error(`${consumer} failed on this reading (a bug since fixed)`),
            stage: `process:${consumer.slice('processor:'.length)}`,
            attempts: 1,
            consumer,
          })),
        );
        curedPositions.push(
          `${platform.names.topic('sensorReadings')}/${meta.partition}/${meta.baseOffset ?? '0'}`,
        );
      }
      await flush();
    }
    validCount = valid.length;
    const poison = Array.from({ length: POISON }, (_, i) => ({
      key: `r13-poison-${i}`,
      value: Buffer.from(`{"reading": ${i}, "note": "JSON, not a Confluent frame"}`),
    }));
    for (const p of poison) ledger.recordPoison(p.key, /^SCHEMA_FRAMING$/);
    await deps.producer.send({ topic: platform.names.topic('sensorReadings'), acks: -1, messages: poison });
    phase('produced');
  });

  afterAll(async () => {
    for (const child of children) await child.kill();
    await index?.stop();
    await platform?.dispose();
  });

  it('gives every refused record one letter per consumer that refused it, each naming its consumer', async () => {
    const expected = 5 * POISON + FAILED.length * curedReadings.length;
    expect(READINGS_CONSUMERS).toHaveLength(5);
    const letters = await lettersAtLeast(expected);
    phase('every consumer dead-lettered');
    expect(letters).toHaveLength(expected);
    expect(letters.filter((l) => l.consumer === '')).toEqual([]);
    expect(
      ledger.unmatchedPoison(letters.map((l) => ({ key: l.key?.toString() ?? '', reason: l.errorCode }))),
    ).toEqual([]);

    const records = groupLettersByRecord(letters);
    expect(records).toHaveLength(POISON + curedReadings.length);
    const poisonRecords = records.filter((r) => r.errorCodes.includes('SCHEMA_FRAMING'));
    expect(poisonRecords).toHaveLength(POISON);
    for (const record of poisonRecords) expect(record.consumers).toEqual(READINGS_CONSUMERS);
    const cured = records.filter((r) => curedPositions.includes(r.position));
    expect(cured.map((r) => r.consumers)).toEqual(curedPositions.map(() => FAILED));

    // Every valid reading reached the projector, the cured ones too (it did not fail on them).
    await platform.waitForReadings(validCount + curedReadings.length, 120_000);
    phase('readings projected');
  });

  it('lists each record once with the consumers that refused it: CLI and dead-letter index', async () => {
    const letterCount = 5 * POISON + FAILED.length * curedReadings.length;
    // `eaio dlq list --topic sensor-readings` in this process (the command's own function): the CLI
    // child's start-up (tsx, connecting, preparing) costs tens of seconds on a loaded 2-core runner,
    // and the re-drive below runs as a child already.
    let out = '';
    await dlqList(platform, { topic: 'sensor-readings' }, (t) => {
      out += t;
    });
    listStdout = out;
    phase('eaio dlq list');
    expect(out).toContain(
      `${POISON + curedReadings.length} failed record(s), ${letterCount} dead letter(s).`,
    );
    expect(
      out.split('\n').filter((l) => l.includes(`refused by ${READINGS_CONSUMERS.join(',')}`)),
    ).toHaveLength(POISON);

    const indexed = await waitFor(
      'the dead-letter index to hold every record',
      async () => {
        const entries = await allIndexed();
        const refusals = entries.reduce((n, e) => n + e.refusals.length, 0);
        return refusals === letterCount ? entries : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    phase('dead-letter index complete');
    expect(indexed).toHaveLength(POISON + curedReadings.length);
    expect(indexed.filter((e) => [...e.consumers].sort().join() === READINGS_CONSUMERS.join())).toHaveLength(
      POISON,
    );
  });

  it('re-drives each record once, to the consumers that refused it only, counting nothing twice', async () => {
    const before = await dlq();
    sourceEndBefore = await sourceCount();
    const redriveStarted = Date.now();
    const cli = spawnEaio(
      ['dlq', 'redrive', '--topic', 'sensor-readings', '--all', '--actor', 'test:r13'],
      platform.childEnv,
    );
    expect(await cli.exited(), cli.stderr()).toBe(0);
    redriveStdout = cli.stdout();
    phase('eaio dlq redrive --all');
    const records = POISON + curedReadings.length;
    expect(redriveStdout).toContain(`${records} record(s) re-driven (${before.length} letter(s))`);
    // One copy per record on the source topic: not one per letter (that would be 5 per poison record),
    // each addressed to the consumers that refused it. (Read from the topic, not the CLI's per-record
    // lines: spawnEaio keeps only the last 20,000 characters of a child's output.)
    const copies = (await readTopicToEnd(platform.kafka, platform.names.topic('sensorReadings'))).filter(
      (m) => m.message.headers?.[REDRIVE_HEADERS.from] !== undefined,
    );
    expect(copies).toHaveLength(records);
    const addressedTo = copies.map((m) => m.message.headers?.[REDRIVE_HEADERS.for]?.toString());
    expect(addressedTo.filter((f) => f === FAILED.join(','))).toHaveLength(curedReadings.length);
    expect(addressedTo.filter((f) => f === READINGS_CONSUMERS.join(','))).toHaveLength(POISON);
    expect(await sourceCount()).toBe(sourceEndBefore + records);

    // The poison copies fail again at all five consumers (undecodable still); the cured ones do not.
    const after = await lettersAtLeast(before.length + 5 * POISON);
    const fresh = after.filter((l) => !before.some((b) => b.offset === l.offset));
    expect(fresh).toHaveLength(5 * POISON);
    expect(
      fresh.every((l) => l.attempts === 2 && l.consumer !== '' && l.errorCode === 'SCHEMA_FRAMING'),
    ).toBe(true);
    expect(
      new Set(fresh.map((l) => l.originalHeaders[REDRIVE_HEADERS.from]?.toString()).filter(Boolean)).size,
    ).toBe(POISON);

    // The cured readings' hourly windows now hold them, once: the failed processor took its copy.
    const meterHour = await waitFor(
      'the cured readings in their meters hourly rollups',
      async () => {
        const { rows } = await platform.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM rollups
            WHERE meter_id <> '' AND window_size = 'PT1H' AND window_start = ANY($1::timestamptz[]) AND count = 1`,
          [CURED_HOURS.map((h) => new Date(START + h * HOUR_MS).toISOString())],
        );
        return Number(rows[0]?.n) === curedReadings.length ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(meterHour).toBe(true);
    recoveryMs = Date.now() - redriveStarted;
    phase('cured readings in their windows');

    const check = await ledger.checkReadings(platform.pool);
    expect(check.lost).toEqual([]);
    expect(check.duplicated).toBe(0);
    expect(check.rows).toBe(validCount + curedReadings.length);

    // readings-by-building handled the originals: it passed the copies over, so no reading is re-keyed twice.
    const byBuilding = await readTopicToEnd(platform.kafka, platform.names.topic('readingsByBuilding'));
    const ids = await Promise.all(
      byBuilding.map(
        async (m) => (await platform.codec.decode('readingsByBuilding', m.message.value)).value.eventId,
      ),
    );
    expect(ids).toHaveLength(validCount + curedReadings.length);
    expect(new Set(ids).size).toBe(ids.length);

    // Every rollup counts each reading of its window once: meter windows and building windows alike.
    const mismatches = await waitFor(
      'every stated rollup to count its readings once',
      async () => {
        const rows = await rollupMismatches();
        return rows.length === 0 ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch(async () => rollupMismatches());
    expect(mismatches).toEqual([]);

    // A second re-drive of the same letters sends nothing.
    const again = await redriveDeadLetters(platform, {
      key: 'sensorReadings',
      select: before.map((l) => l.offset),
      actor: 'test:r13',
    });
    expect(again.sent).toBe(0);
    expect(again.skipped).toHaveLength(before.length);

    const indexed = await waitFor(
      'the index to show the originals re-driven and their copies failed again',
      async () => {
        const entries = await allIndexed();
        return entries.filter((e) => e.redriven).length === records &&
          entries.filter((e) => e.redrivenFrom !== null).length === POISON
          ? entries
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(indexed).toHaveLength(records + POISON);

    await writeScenarioResult({
      scenario: SCENARIO,
      title: 'Dead letters and re-drive across consumers',
      size: faultSize(),
      acknowledged: ledger.acknowledged.size,
      unacknowledged: ledger.unacknowledged.size,
      lost: check.lost.length,
      duplicated: check.duplicated + (ids.length - new Set(ids).size) + mismatches.length,
      poisonSent: POISON,
      deadLettered: POISON,
      recoveryMs,
      recoveryLimitMs: 120_000,
      reproduce: `FAULTS_SIZE=${faultSize()} npx vitest run tests/faults/r13-redrive.fault.test.ts`,
      notes: [
        `letters before re-drive: ${before.length} (${POISON} poison records x 5 consumers + ${curedReadings.length} cured readings x ${FAILED.length})`,
        `records re-driven: ${records}, copies on the source topic: ${(await sourceCount()) - sourceEndBefore}`,
        `letters after re-drive: ${after.length} (poison copies refused again by all 5, attempts 2)`,
        `phases (from the start): ${phases.join('; ')}`,
        `dlq list: ${listStdout.split('\n').find((l) => l.includes('SCHEMA_FRAMING')) ?? ''}`,
        `dlq list: ${listStdout.split('\n').find((l) => l.includes('UNCLASSIFIED')) ?? ''}`,
        `dlq list: ${listStdout.trim().split('\n').at(-1) ?? ''}`,
        `dlq redrive: ${redriveStdout.split('\n').find((l) => l.includes(FAILED.join(','))) ?? ''}`,
        `dlq redrive: ${redriveStdout.trim().split('\n').at(-1) ?? ''}`,
      ],
    });
  });

  async function allIndexed(): Promise<DeadLetterSummary[]> {
    const entries: DeadLetterSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryDeadLetters(platform.pool, {
        topic: 'sensor-readings',
        limit: 200,
        ...(cursor === undefined ? {} : { cursor }),
      });
      entries.push(...page.entries);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return entries;
  }

  /** Stated rollup windows whose count differs from the readings the readings table holds in them. */
  async function rollupMismatches(): Promise<
    { meter_id: string; window_start: Date; count: number; n: string }[]
  > {
    const { rows } = await platform.pool.query<{
      meter_id: string;
      window_start: Date;
      count: number;
      n: string;
    }>(
      `SELECT r.meter_id, r.window_start, r.count,
              (SELECT count(*) FROM readings x
                WHERE x.building_id = r.building_id
                  AND (r.meter_id = '' OR x.meter_id = r.meter_id)
                  AND x.meter_kind = r.meter_kind AND x.unit = r.unit
                  AND x.occurred_at >= r.window_start AND x.occurred_at < r.window_end) AS n
         FROM rollups r
        WHERE r.building_id = $1`,
      [BUILDING],
    );
    return rows.filter((r) => Number(r.n) !== r.count);
  }
});
