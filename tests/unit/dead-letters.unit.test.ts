import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SchemaDecodeError } from '../../schemas/index.ts';
import { DEAD_LETTER_HEADERS, toDeadLetterMessage } from '../../stream-runtime/index.ts';

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
