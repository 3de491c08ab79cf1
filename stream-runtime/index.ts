export type { DeadLetterEntry } from './dead-letter-entry.ts';
export { letterId, toDeadLetterEntry } from './dead-letter-entry.ts';
export type { DeadLetter, DeadLetterPublisher } from './dead-letters.ts';
export {
  createDeadLetterPublisher,
  DEAD_LETTER_HEADERS,
  deadLetterOf,
  errorCodeOf,
  headerText,
  REDRIVE_HEADERS,
  toDeadLetterMessage,
} from './dead-letters.ts';
export type { KafkaBatchesOptions, PartitionBatch } from './kafka-batches.ts';
export { ConsumerStoppedError, kafkaBatches } from './kafka-batches.ts';
export { chunkMessages, MAX_SEND_BYTES, messageBytes, sendInChunks } from './send-in-chunks.ts';
