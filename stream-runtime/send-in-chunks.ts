import type { Message } from 'kafkajs';

/**
 * The broker refuses a record batch above `max.message.bytes` (1 MiB by default), and kafkajs puts
 * every message of one send for one partition into one record batch. A processor's outputs for one
 * input batch can be far larger over a backlog (a window statement per meter and size), so they go
 * out in sends of at most this many bytes, all inside the same transaction.
 */
export const MAX_SEND_BYTES = 512 * 1024;

/** Record overhead per message (offset and timestamp deltas, lengths, attributes), rounded up. */
const RECORD_OVERHEAD_BYTES = 32;

const length = (value: Buffer | string | null | undefined): number =>
  value === null || value === undefined
    ? 0
    : typeof value === 'string'
      ? Buffer.byteLength(value)
      : value.length;

/** Bytes a message takes in a record batch, headers included (an upper estimate). */
export function messageBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD_BYTES + length(message.key) + length(message.value as Buffer | string | null);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) bytes += Buffer.byteLength(name) + length(v as Buffer | string | undefined);
  }
  return bytes;
}

/**
 * Cuts `messages` into consecutive chunks of at most `maxBytes` each (a single larger message is a
 * chunk of its own, for the broker to judge), keeping their order, so per-key order survives.
 */
export function chunkMessages(messages: readonly Message[], maxBytes = MAX_SEND_BYTES): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Sends `messages` to `topic` through `sender` (a transaction or a producer) in size-bounded chunks, in order. */
export async function sendInChunks(
  sender: { send(record: { topic: string; messages: Message[] }): Promise<unknown> },
  topic: string,
  messages: readonly Message[],
  maxBytes = MAX_SEND_BYTES,
): Promise<void> {
  for (const chunk of chunkMessages(messages, maxBytes)) await sender.send({ topic, messages: chunk });
}

/** One topic's share of a {@link sendBatchInChunks}. */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly Message[];
}

/**
 * Sends every topic's messages through `sender` (a transaction or a producer) in as few requests as
 * the size bound allows: each request carries the next chunk of every topic (one `sendBatch`, one
 * produce request per broker), rather than one request per chunk per topic in turn. Each topic's
 * chunks go out in order, so per-key order survives.
 */
export async function sendBatchInChunks(
  sender: { sendBatch(batch: { topicMessages: { topic: string; messages: Message[] }[] }): Promise<unknown> },
  topics: readonly TopicMessages[],
  maxBytes = MAX_SEND_BYTES,
): Promise<void> {
  const chunked = topics
    .filter((t) => t.messages.length > 0)
    .map((t) => ({ topic: t.topic, chunks: chunkMessages(t.messages, maxBytes) }));
  const rounds = Math.max(0, ...chunked.map((t) => t.chunks.length));
  for (let round = 0; round < rounds; round += 1) {
    const topicMessages = chunked.flatMap(({ topic, chunks }) => {
      const messages = chunks[round];
      return messages === undefined ? [] : [{ topic, messages }];
    });
    await sender.sendBatch({ topicMessages });
  }
}
