import type { Message, Producer } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createOperationRecorder, type StampedOperation } from '../../infra/operations/index.ts';

/** A producer that keeps what it is asked to send; only `send` is used by the recorder. */
function fakeProducer() {
  const sent: { topic: string; messages: Message[] }[] = [];
  const producer = {
    send: async (record: { topic: string; messages: Message[] }) => {
      sent.push(record);
      return [];
    },
  } as unknown as Producer; // The recorder calls send() only; the rest of Producer is irrelevant here.
  return { producer, sent };
}

const silent = pino({ level: 'silent' });

describe('operation recorder seam: a topic and an encode function, no event schema', () => {
  it('stamps each record when recorded, copies its details, and keys messages by component', async () => {
    const { producer, sent } = fakeProducer();
    const encoded: StampedOperation[] = [];
    const recorder = createOperationRecorder({
      producer: async () => producer,
      topic: 'ops',
      encode: async (operation) => {
        encoded.push(operation);
        return Buffer.from(operation.operation);
      },
      logger: silent,
      source: 'unit',
      now: () => Date.UTC(2026, 0, 1),
    });
    const details: Record<string, string> = { n: '1' };
    recorder.record({ component: 'mcp', operation: 'mcp.tool:x', durationMs: 3, details });
    details.n = 'changed after recording';
    recorder.record({
      component: 'processor:p',
      operation: 'processor.batch:p',
      durationMs: 4,
      errorCode: 'E',
    });
    await recorder.close();

    expect(encoded).toHaveLength(2);
    expect(encoded[0]).toMatchObject({
      source: 'unit',
      component: 'mcp',
      operation: 'mcp.tool:x',
      durationMs: 3,
      occurredAt: new Date(Date.UTC(2026, 0, 1)),
      details: { n: '1' },
    });
    expect(encoded[0]?.errorCode).toBeUndefined();
    expect(encoded[1]).toMatchObject({ errorCode: 'E', details: {} });
    expect(new Set(encoded.map((e) => e.eventId)).size).toBe(2);
    expect(sent.map((s) => s.topic)).toEqual(['ops']);
    expect(sent[0]?.messages.map((m) => m.key)).toEqual(['mcp', 'processor:p']);
  });

  it('counts a batch whose encoding fails as encode-failed and sends nothing of it', async () => {
    const { producer, sent } = fakeProducer();
    const lost: [string, number][] = [];
    let recordedCount = 0;
    const recorder = createOperationRecorder({
      producer: async () => producer,
      topic: 'ops',
      encode: async () => {
        throw new Error('no schema');
      },
      logger: silent,
      source: 'unit',
      onRecorded: (n) => {
        recordedCount += n;
      },
      onUnrecorded: (reason, n) => lost.push([reason, n]),
    });
    for (let i = 0; i < 3; i++) recorder.record({ component: 'mcp', operation: 'mcp.tool:x', durationMs: 1 });
    await recorder.close();
    expect(lost).toEqual([['encode-failed', 3]]);
    expect(sent).toEqual([]);
    expect(recordedCount).toBe(0);
  });
});
