import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SchemaDecodeError } from '../../schemas/index.ts';
import {
  DEAD_LETTER_HEADERS,
  deadLetterOf,
  REDRIVE_HEADERS,
  redrivenElsewhere,
  toDeadLetterEntry,
  toDeadLetterMessage,
} from '../../stream-runtime/index.ts';

describe('toDeadLetterMessage', () => {
  it('keeps the original key, bytes and headers and adds the documented reason headers', () => {
    const original: KafkaMessage = {
      key: Buffer.from('meter-1'),
      value: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
      headers: { traceparent: '00-abc-def-01' },
      offset: '42',
      timestamp: '0',
      attributes: 0,
    };
    const error = new SchemaDecodeError('SCHEMA_FRAMING', 'framing', 'not a Confluent frame');
    const letter = toDeadLetterMessage(
      {
        sourceTopic: 'eaio.sensor-readings',
        sourcePartition: 3,
        message: original,
        error,
        stage: 'decode',
        attempts: 1,
      },
      new Date('2026-01-02T03:04:05Z'),
    );
    expect(letter.key).toBe(original.key);
    expect(letter.value).toBe(original.value);
    expect(letter.headers).toMatchObject({
      traceparent: '00-abc-def-01',
      [DEAD_LETTER_HEADERS.errorClass]: 'SchemaDecodeError',
      [DEAD_LETTER_HEADERS.errorCode]: 'SCHEMA_FRAMING',
      [DEAD_LETTER_HEADERS.errorMessage]: 'not a Confluent frame',
      [DEAD_LETTER_HEADERS.stage]: 'decode',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'eaio.sensor-readings',
      [DEAD_LETTER_HEADERS.sourcePartition]: '3',
      [DEAD_LETTER_HEADERS.sourceOffset]: '42',
      [DEAD_LETTER_HEADERS.firstFailedAt]: '2026-01-02T03:04:05.000Z',
      [DEAD_LETTER_HEADERS.attempts]: '1',
    });
  });
});

describe('the consumer of a letter and of a re-driven copy', () => {
  const message: KafkaMessage = {
    key: Buffer.from('m-1'),
    value: Buffer.from([1, 2, 3]),
    headers: {},
    offset: '7',
    timestamp: '0',
    attributes: 0,
  };

  it('names the consumer that gave up in its own header, and reads it back', () => {
    const letter = toDeadLetterMessage(
      deadLetterOf(
        { topic: 't.readings', partition: 2 },
        message,
        new Error('x'),
        'decode',
        'processor:anomalies',
      ),
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(letter.headers?.[DEAD_LETTER_HEADERS.consumer]).toBe('processor:anomalies');
    const entry = toDeadLetterEntry({
      topic: 't.readings.dlq',
      partition: 0,
      message: { ...message, headers: letter.headers ?? {}, offset: '0' },
    });
    expect(entry.consumer).toBe('processor:anomalies');
    expect(entry.originalHeaders).not.toHaveProperty(DEAD_LETTER_HEADERS.consumer);
    // A letter without a named consumer (written before the header existed) reads as ''.
    expect(toDeadLetterEntry({ topic: 't.readings.dlq', partition: 0, message }).consumer).toBe('');
  });

  it('passes a re-driven copy over in every consumer it does not name, and an unmarked event in none', () => {
    const copy = { [REDRIVE_HEADERS.for]: Buffer.from('processor:anomalies,projector') };
    expect(redrivenElsewhere(copy, 'projector')).toBe(false);
    expect(redrivenElsewhere(copy, 'processor:anomalies')).toBe(false);
    expect(redrivenElsewhere(copy, 'processor:readings-by-building')).toBe(true);
    expect(redrivenElsewhere(copy, 'processor')).toBe(true);
    expect(redrivenElsewhere({}, 'projector')).toBe(false);
    expect(redrivenElsewhere(undefined, 'projector')).toBe(false);
  });
});
