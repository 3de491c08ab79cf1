import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkMessages, messageBytes } from '../../stream-runtime/index.ts';

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
