import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { redriveDeadLetters } from '../../processors/dead-letter-tools/index.ts';
import {
  type DeadLetterIndexBatch,
  type RunningDeadLetterIndex,
  startDeadLetterIndex,
} from '../../projections/dead-letters/index.ts';
import { createDeadLetterPublisher, deadLetterOf } from '../../stream-runtime/index.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { waitFor } from '../support/wait-for.ts';

const message = (offset: number, bytes: number[]): KafkaMessage => ({
  key: Buffer.from(`Office_Ellie:m${offset}`),
  value: Buffer.from(bytes),
  headers: { origin: 'gw-7' },
  offset: String(offset),
  timestamp: '0',
  attributes: 0,
});

interface IndexRow {
  dlq_topic: string;
  dlq_offset: string;
  source_offset: string;
  error_code: string;
  stage: string;
  attempts: number;
  redriven: boolean;
  redriven_by: string | null;
}

describe('dead-letter index runner: every .dlq topic into Postgres, offsets in the same transaction', () => {
  let platform: TestPlatform;
  let index: RunningDeadLetterIndex | undefined;
  const applied: DeadLetterIndexBatch[] = [];

  const start = async () => {
    index = await startDeadLetterIndex({
      kafka: platform.kafka,
      codec: platform.codec,
      names: platform.names,
      pool: platform.pool,
      schema: platform.config.postgres.schema,
      logger: platform.logger,
      sessionTimeoutMs: platform.config.kafka.sessionTimeoutMs,
      onBatch: (b) => applied.push(b),
    });
  };

  const indexed = (count: number) =>
    waitFor(`${count} letters indexed`, async () => {
      const { rows } = await platform.pool.query<IndexRow>(
        `SELECT dlq_topic, dlq_offset, source_offset, error_code, stage, attempts, redriven, redriven_by
           FROM dead_letter_index ORDER BY dlq_topic, dlq_offset`,
      );
      return rows.length === count ? rows : undefined;
    });

  async function publish(key: 'sensorReadings' | 'meters', offsets: readonly number[]): Promise<void> {
    const publisher = createDeadLetterPublisher(
      await platform.producer(),
      () => new Date('2026-11-21T10:00:00Z'),
    );
    const error = new EaioError('EVENT_OUT_OF_RANGE', 'poison', 'value -42 kWh is outside [0, 1000000]');
    await publisher.publish(
      platform.names.deadLetter(key),
      offsets.map((o) =>
        deadLetterOf(
          { topic: platform.names.topic(key), partition: 2 },
          message(o, [0, 0, 0, 0, 1, o]),
          error,
          'validate',
        ),
      ),
    );
  }

  beforeAll(async () => {
    platform = await createTestPlatform('dlq_index');
    await publish('sensorReadings', [10, 11, 12]);
    await publish('meters', [5]);
    await start();
  });

  afterAll(async () => {
    await index?.stop();
    await platform?.dispose();
  });

  it('indexes every letter of every .dlq topic with its source position and reason', async () => {
    const rows = await indexed(4);
    expect(
      rows.map((r) => [r.dlq_topic, r.dlq_offset, r.source_offset, r.error_code, r.stage, r.attempts]),
    ).toEqual([
      [platform.names.deadLetter('meters'), '0', '5', 'EVENT_OUT_OF_RANGE', 'validate', 1],
      [platform.names.deadLetter('sensorReadings'), '0', '10', 'EVENT_OUT_OF_RANGE', 'validate', 1],
      [platform.names.deadLetter('sensorReadings'), '1', '11', 'EVENT_OUT_OF_RANGE', 'validate', 1],
      [platform.names.deadLetter('sensorReadings'), '2', '12', 'EVENT_OUT_OF_RANGE', 'validate', 1],
    ]);
    expect(rows.every((r) => !r.redriven)).toBe(true);
  });

  it('marks a letter re-driven once the audit record of its re-drive arrives', async () => {
    await redriveDeadLetters(platform, { key: 'sensorReadings', select: ['1'], actor: 'user:alice' });
    const rows = await waitFor('letter 1 marked re-driven', async () => {
      const found = await indexed(4);
      return found.some((r) => r.redriven) ? found : undefined;
    });
    expect(rows.filter((r) => r.redriven).map((r) => [r.dlq_offset, r.redriven_by])).toEqual([
      ['1', 'user:alice'],
    ]);
  });

  it('resumes from the offsets stored with the rows after a restart: nothing applied twice', async () => {
    await index?.stop();
    index = undefined;
    const before = applied.length;
    await publish('sensorReadings', [13]);
    await start();
    const rows = await indexed(5);
    expect(rows.map((r) => r.source_offset)).toEqual(['5', '10', '11', '12', '13']);
    const afterRestart = applied.slice(before);
    expect(afterRestart.reduce((n, b) => n + b.applied, 0)).toBe(1);
    // The restarted consumer seeks to the stored offsets: it does not even read the old letters again.
    expect(afterRestart.reduce((n, b) => n + b.read, 0)).toBe(1);
    const { rows: offsets } = await platform.pool.query<{ topic: string; next_offset: string }>(
      `SELECT topic, next_offset FROM projection_offsets WHERE projection = 'dead-letters' ORDER BY topic`,
    );
    expect(offsets).toEqual(
      expect.arrayContaining([
        { topic: platform.names.deadLetter('meters'), next_offset: '1' },
        { topic: platform.names.deadLetter('sensorReadings'), next_offset: '4' },
      ]),
    );
  });
});
