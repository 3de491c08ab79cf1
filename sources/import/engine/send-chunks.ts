import type { Message } from 'kafkajs';
import { chunkMessages, MAX_SEND_BYTES } from '../../../stream-runtime/index.ts';

/**
 * kafkajs 2.2.4 groups a send's messages by partition with an array spread per message
 * (producer/groupMessagesPerPartition.js), quadratic in the messages per partition: a 40,000-message
 * send spent more time there than on the wire. Sends of at most this many messages keep it negligible.
 */
const MAX_SEND_MESSAGES = 2_000;

/** A transaction's messages for one topic, in sends small enough for kafkajs and the broker. */
export function* sendChunks(messages: readonly Message[]): Generator<Message[]> {
  for (const chunk of chunkMessages(messages, MAX_SEND_BYTES))
    for (let i = 0; i < chunk.length; i += MAX_SEND_MESSAGES) yield chunk.slice(i, i + MAX_SEND_MESSAGES);
}
