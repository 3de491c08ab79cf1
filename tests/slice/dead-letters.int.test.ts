import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProjector, runProjector } from '../../app/index.ts';
import type { SensorReading } from '../../schemas/index.ts';
import { DEAD_LETTER_HEADERS } from '../../stream-runtime/index.ts';
import { hourlyReadings } from '../support/readings.ts';
import { createTestPlatform, type TestPlatform } from '../support/test-platform.ts';

function header(message: KafkaMessage, name: string): string | undefined {
  return message.headers?.[name]?.toString();
}

describe('dead letters: poison events leave the stream with their reason, the consumer goes on', () => {
  let platform: TestPlatform;
  let projector: RunningProjector;
  const buildingId = 'UnivClass_Clifford';
  const meterId = `${buildingId}:poison-meter`;
  const malformed = Buffer.from('{"meterId":"not avro at all"}');
  const truncatedFrame = Buffer.from([0x00, 0x00]);
  const before = hourlyReadings(buildingId, 2, 5);
  const after = hourlyReadings(buildingId, 2, 5, Date.UTC(2016, 0, 1));
  const outOfRange: SensorReading = {
    eventId: randomUUID(),
    occurredAt: new Date(Date.UTC(2015, 5, 1)),
    source: 'test',
    buildingId,
    meterId,
    meterKind: 'electricity',
    value: -42,
    unit: 'kWh',
  };

  beforeAll(async () => {
    platform = await createTestPlatform('dlq');
    const producer = await platform.producer();
    const topic = platform.names.topic('sensorReadings');
    const encode = (r: SensorReading) => platform.codec.encode('sensorReadings', r);
    // Everything under one message key, so one partition sees valid, poison, then valid events in this order.
    const key = meterId;
    await producer.send({
      topic,
      messages: [
        ...(await Promise.all(before.map(async (r) => ({ key, value: await encode(r) })))),
        { key, value: malformed },
        { key, value: truncatedFrame },
        { key, value: await encode(outOfRange) },
        ...(await Promise.all(after.map(async (r) => ({ key, value: await encode(r) })))),
      ],
    });
    projector = await runProjector(platform);
  });

  afterAll(async () => {
    await projector?.stop();
    await platform?.dispose();
  });

  it('sends the malformed, truncated and out-of-range messages to the dead-letter topic with original bytes and reasons', async () => {
    const letters = await platform.readAll(platform.names.deadLetter('sensorReadings'), 3);
    expect(letters).toHaveLength(3);
    const [first, second, third] = letters as [KafkaMessage, KafkaMessage, KafkaMessage];

    expect(first.value).toEqual(malformed);
    expect(header(first, DEAD_LETTER_HEADERS.errorCode)).toBe('SCHEMA_FRAMING');
    expect(header(first, DEAD_LETTER_HEADERS.errorMessage)).toContain('magic byte');
    expect(header(first, DEAD_LETTER_HEADERS.stage)).toBe('decode');

    expect(second.value).toEqual(truncatedFrame);
    expect(header(second, DEAD_LETTER_HEADERS.errorCode)).toBe('SCHEMA_FRAMING');

    expect(header(third, DEAD_LETTER_HEADERS.errorCode)).toBe('EVENT_OUT_OF_RANGE');
    expect(header(third, DEAD_LETTER_HEADERS.errorMessage)).toContain('-42 kWh');
    expect(header(third, DEAD_LETTER_HEADERS.stage)).toBe('validate');
    const decoded = await platform.codec.decode('sensorReadings', third.value);
    expect(decoded.value.eventId).toBe(outOfRange.eventId);

    for (const letter of letters) {
      expect(header(letter, DEAD_LETTER_HEADERS.sourceTopic)).toBe(platform.names.topic('sensorReadings'));
      expect(header(letter, DEAD_LETTER_HEADERS.sourcePartition)).toMatch(/^\d+$/);
      expect(letter.key?.toString()).toBe(meterId);
    }
    // Offsets name the exact source positions: the poison events sat right after the 10 valid ones.
    expect(letters.map((l) => Number(header(l, DEAD_LETTER_HEADERS.sourceOffset)))).toEqual([10, 11, 12]);
  });

  it('projects the valid readings produced after the poison ones', async () => {
    const total = before.length + after.length;
    await platform.waitForReadings(total);
    const { rows } = await platform.pool.query('SELECT 1 FROM readings WHERE value < 0');
    expect(rows).toHaveLength(0);
  });
});
