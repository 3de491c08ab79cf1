import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { chunkMessages, messageBytes, sendBatchInChunks } from '../../stream-runtime/index.ts';

describe('chunkMessages', () => {
  it('keeps every message in order and each chunk within the limit unless one message alone exceeds it', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.string({ maxLength: 20 }),
            value: fc.uint8Array({ maxLength: 3_000 }).map((a) => Buffer.from(a)),
            headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 40 })),
          }),
          { maxLength: 200 },
        ),
        fc.integer({ min: 100, max: 20_000 }),
        (messages, maxBytes) => {
          const chunks = chunkMessages(messages, maxBytes);
          expect(chunks.flat()).toEqual(messages);
          for (const chunk of chunks) {
            expect(chunk.length).toBeGreaterThan(0);
            const bytes = chunk.reduce((n, m) => n + messageBytes(m), 0);
            if (chunk.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
          }
        },
      ),
    );
  });
});

describe('sendBatchInChunks', () => {
  const message = fc.record({
    key: fc.string({ maxLength: 20 }),
    value: fc.uint8Array({ maxLength: 3_000 }).map((a) => Buffer.from(a)),
  });

  it('sends every topic in order, each request holding at most one bounded chunk per topic', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(message, { maxLength: 60 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 100, max: 20_000 }),
        async (perTopic, maxBytes) => {
          const topics = perTopic.map((messages, i) => ({ topic: `t${i}`, messages }));
          const requests: { topic: string; messages: Message[] }[][] = [];
          await sendBatchInChunks(
            {
              sendBatch: async ({ topicMessages }) => {
                requests.push(topicMessages);
              },
            },
            topics,
            maxBytes,
          );
          for (const { topic, messages } of topics) {
            const sent = requests.flatMap((r) =>
              r.filter((t) => t.topic === topic).flatMap((t) => t.messages),
            );
            expect(sent).toEqual(messages);
          }
          const mostChunks = Math.max(...topics.map((t) => chunkMessages(t.messages, maxBytes).length));
          expect(requests).toHaveLength(mostChunks);
          for (const request of requests) {
            expect(new Set(request.map((t) => t.topic)).size).toBe(request.length);
            for (const { messages } of request) {
              expect(messages.length).toBeGreaterThan(0);
              const bytes = messages.reduce((n, m) => n + messageBytes(m), 0);
              if (messages.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
            }
          }
        },
      ),
    );
  });
});
