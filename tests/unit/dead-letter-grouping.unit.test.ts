import avro from 'avsc';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { groupLettersByRecord } from '../../processors/index.ts';
import { AVRO_SCHEMAS } from '../../schemas/index.ts';
import { deadLetterOf, toDeadLetterEntry, toDeadLetterMessage } from '../../stream-runtime/index.ts';

const source = (offset: string): KafkaMessage => ({
  key: Buffer.from('meter-1'),
  value: Buffer.from('not avro'),
  headers: {},
  offset,
  timestamp: '0',
  attributes: 0,
});

/** The letter `consumer` writes for the record at `offset`, read back as tooling reads it. */
function letterOf(consumer: string | undefined, offset: string, dlqOffset: string) {
  const message = toDeadLetterMessage(
    deadLetterOf(
      { topic: 'eaio.sensor-readings', partition: 2 },
      source(offset),
      new Error('x'),
      'decode',
      consumer,
    ),
    new Date('2026-01-02T03:04:05Z'),
  );
  return toDeadLetterEntry({
    topic: 'eaio.sensor-readings.dlq',
    partition: 0,
    message: { ...message, offset: dlqOffset, timestamp: '0', attributes: 0 } as KafkaMessage,
  });
}

describe('groupLettersByRecord', () => {
  it('shows a record five consumers refused once, naming each consumer', () => {
    const consumers = [
      'projector',
      'processor:anomalies',
      'processor:data-quality',
      'processor:reading-aggregates',
      'processor:readings-by-building',
    ];
    const letters = [
      ...consumers.map((c, i) => letterOf(c, '7', String(i))),
      ...consumers.slice(0, 2).map((c, i) => letterOf(c, '8', String(5 + i))),
    ];
    const records = groupLettersByRecord(letters);
    expect(records.map((r) => [r.position, r.consumers, r.letters.length])).toEqual([
      ['eaio.sensor-readings/2/7', [...consumers].sort(), 5],
      ['eaio.sensor-readings/2/8', ['processor:anomalies', 'projector'], 2],
    ]);
  });

  it('counts a letter that names no consumer by its stage, as the dead-letter index does', () => {
    const [record] = groupLettersByRecord([letterOf(undefined, '3', '0'), letterOf('projector', '3', '1')]);
    expect(record?.consumers).toEqual(['projector', 'stage:decode']);
  });
});

describe('DeadLetterEnvelope schema evolution', () => {
  const current = avro.Type.forSchema(AVRO_SCHEMAS.DeadLetterEnvelope as avro.Schema, {
    logicalTypes: {},
  });
  const fields = (AVRO_SCHEMAS.DeadLetterEnvelope as { fields: { name: string }[] }).fields;
  // The envelope as it was before letters named their consumer: the same schema without the field.
  const previous = avro.Type.forSchema(
    {
      ...(AVRO_SCHEMAS.DeadLetterEnvelope as avro.schema.RecordType),
      fields: fields.filter((f) => f.name !== 'consumer'),
    } as avro.schema.RecordType,
    { logicalTypes: {} },
  );
  const envelope = {
    eventId: '6f1c2a54-8d0e-4a3b-9d57-0c7f2a4e9b11',
    occurredAt: 1_767_323_045_000,
    source: 'eaio-dlq',
    errorClass: 'SchemaDecodeError',
    errorCode: 'SCHEMA_FRAMING',
    errorMessage: 'not a Confluent frame',
    stage: 'decode',
    sourceTopic: 'eaio.sensor-readings',
    sourcePartition: 2,
    sourceOffset: 7,
    firstFailedAt: 1_767_323_045_000,
    lastFailedAt: 1_767_323_045_000,
    attempts: 1,
    originalKey: null,
    originalValue: null,
    traceContext: null,
  };

  it('reads envelopes written before the consumer field, with consumer null', () => {
    const resolver = current.createResolver(previous);
    const read = current.fromBuffer(previous.toBuffer(envelope), resolver) as { consumer: unknown };
    expect(read.consumer).toBeNull();
  });

  it('keeps the consumer an envelope names, and old readers skip it', () => {
    const bytes = current.toBuffer({ ...envelope, consumer: 'processor:anomalies' });
    expect((current.fromBuffer(bytes) as { consumer: unknown }).consumer).toBe('processor:anomalies');
    const old = previous.fromBuffer(bytes, previous.createResolver(current)) as Record<string, unknown>;
    expect(old.consumer).toBeUndefined();
    expect(old.sourceOffset).toBe(7);
  });
});
