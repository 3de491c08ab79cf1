import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REDRIVE_ACTION } from '../../processors/index.ts';
import { type DeadLetterIndexEvent, deadLettersProjection } from '../../projections/dead-letters/index.ts';
import { queryDeadLetter, queryDeadLetters } from '../../projections/index.ts';
import type { DeadLetterEntry } from '../../stream-runtime/index.ts';

const DLQ = 'eaio.sensor-readings.dlq';
const at = (minute: number) => new Date(Date.UTC(2026, 11, 5, 9, minute));

function letter(
  offset: number,
  overrides: Partial<DeadLetterEntry> = {},
): { kind: 'letter'; entry: DeadLetterEntry } {
  return {
    kind: 'letter',
    entry: {
      dlqTopic: DLQ,
      partition: 0,
      offset: String(offset),
      errorClass: 'SchemaDecodeError',
      errorCode: 'SCHEMA_FRAMING',
      errorMessage: 'no magic byte',
      stage: 'decode',
      sourceTopic: 'eaio.sensor-readings',
      sourcePartition: 1,
      sourceOffset: '10',
      firstFailedAt: at(offset).toISOString(),
      lastFailedAt: at(offset).toISOString(),
      attempts: 1,
      consumer: 'projector',
      key: Buffer.from('m-1'),
      value: Buffer.from([1, 2, 3]),
      originalHeaders: {},
      ...overrides,
    },
  };
}

describe('the dead-letter index queries: one entry per failed source record', () => {
  const schema = `test_dlq_queries_${randomBytes(3).toString('hex')}`;
  let pool: pg.Pool;
  let client: pg.PoolClient;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: inject('endpoints').postgresUrl, max: 2 });
    await pool.query(`CREATE SCHEMA ${schema}`);
    client = await pool.connect();
    await client.query(`SET search_path TO ${schema}, public`);
    await client.query(deadLettersProjection.ddl({ timescale: false }));
    const events: DeadLetterIndexEvent[] = [
      // Record A (source 1/10): refused by the projector and, in a letter from before consumers were
      // named, by the anomalies processor (its stage names it).
      letter(0),
      letter(1, { consumer: '', stage: 'process:anomalies', errorCode: 'OPERATOR_FAILED' }),
      // Record B (source 2/20): one refusal, later.
      letter(2, {
        sourcePartition: 2,
        sourceOffset: '20',
        errorCode: 'EVENT_OUT_OF_RANGE',
        stage: 'validate',
      }),
      // Record C: position headers garbled, so it stands alone.
      letter(3, { sourceTopic: '', sourcePartition: Number.NaN, sourceOffset: '' }),
      // A re-drive of record A's first letter, and the copy failing again as record D (source 1/99).
      {
        kind: 'audit',
        record: {
          eventId: randomUUID(),
          occurredAt: at(30),
          source: 'eaio-mcp',
          actor: 'alice',
          action: REDRIVE_ACTION,
          target: `${DLQ}/0/0`,
          outcome: 'success',
          details: {},
          traceContext: null,
        },
      },
      letter(4, {
        sourceOffset: '99',
        originalHeaders: { 'eaio.redrive.from': Buffer.from(`${DLQ}/0/0`) },
      }),
    ];
    let changes = deadLettersProjection.initial();
    for (const e of events) changes = deadLettersProjection.evolve(changes, e);
    await deadLettersProjection.apply(client, changes);
  });

  afterAll(async () => {
    client?.release();
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  it('groups the letters of one source position, naming each consumer (from the header or the process stage)', async () => {
    const { entries, nextCursor } = await queryDeadLetters(client);
    expect(nextCursor).toBeNull();
    // Newest failure first: D (minute 4), C (3), B (2), A (1).
    expect(entries.map((e) => e.id)).toEqual([`${DLQ}/0/4`, `${DLQ}/0/3`, `${DLQ}/0/2`, `${DLQ}/0/0`]);
    const a = entries.find((e) => e.id === `${DLQ}/0/0`);
    expect(a).toMatchObject({
      sourceTopic: 'eaio.sensor-readings',
      sourcePartition: 1,
      sourceOffset: '10',
      consumers: ['projector', 'processor:anomalies'],
      errorCodes: ['SCHEMA_FRAMING', 'OPERATOR_FAILED'],
      redriven: true,
      firstFailedAt: at(0),
      lastFailedAt: at(1),
    });
    expect(a?.refusals.map((r) => [r.letterId, r.consumer, r.redrivenBy])).toEqual([
      [`${DLQ}/0/0`, 'projector', 'alice'],
      [`${DLQ}/0/1`, 'processor:anomalies', null],
    ]);
    expect(entries.find((e) => e.id === `${DLQ}/0/3`)).toMatchObject({
      sourceTopic: null,
      sourceOffset: null,
    });
  });

  it('filters by topic (with or without the prefix), consumer, code, time and re-drive state', async () => {
    const ids = async (q: Parameters<typeof queryDeadLetters>[1]) =>
      (await queryDeadLetters(client, q)).entries.map((e) => e.id);
    expect(await ids({ topic: 'sensor-readings', errorCode: 'EVENT_OUT_OF_RANGE' })).toEqual([`${DLQ}/0/2`]);
    expect(await ids({ topic: 'eaio.sensor-readings', errorCode: 'EVENT_OUT_OF_RANGE' })).toEqual([
      `${DLQ}/0/2`,
    ]);
    expect(await ids({ topic: 'readings' })).toEqual([]);
    expect(await ids({ consumer: 'processor:anomalies' })).toEqual([`${DLQ}/0/0`]);
    expect(await ids({ since: at(3) })).toEqual([`${DLQ}/0/4`, `${DLQ}/0/3`]);
    expect(await ids({ redriven: true })).toEqual([`${DLQ}/0/0`]);
  });

  it('pages by cursor without repeats or gaps, and refuses a cursor it did not give', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await queryDeadLetters(client, { limit: 1, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual([`${DLQ}/0/4`, `${DLQ}/0/3`, `${DLQ}/0/2`, `${DLQ}/0/0`]);
    await expect(queryDeadLetters(client, { cursor: 'bogus' })).rejects.toThrow(/cursor 'bogus'/);
  });

  it('shows a record by any of its letters, with its re-drives and the record the copy failed again as', async () => {
    const detail = await queryDeadLetter(client, `${DLQ}/0/1`);
    expect(detail).toMatchObject({
      id: `${DLQ}/0/0`,
      key: 'm-1',
      valueBytes: 3,
      failedAgainAs: [`${DLQ}/0/4`],
    });
    expect(detail?.redrives.map((r) => [r.letterId, r.redrivenBy])).toEqual([[`${DLQ}/0/0`, 'alice']]);
    expect((await queryDeadLetter(client, `${DLQ}/0/4`))?.redrivenFrom).toBe(`${DLQ}/0/0`);
    expect(await queryDeadLetter(client, `${DLQ}/0/77`)).toBeUndefined();
  });
});
