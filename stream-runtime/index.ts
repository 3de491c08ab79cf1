export type { BatchLoopOptions, SettledWork } from './batch-loop.ts';
export { handleEachBatch } from './batch-loop.ts';
export type { BatchMeter } from './batch-metrics.ts';
export { batchMeter } from './batch-metrics.ts';
export type { BatchSpanOptions } from './batch-span.ts';
export { inBatchSpan } from './batch-span.ts';
export type { DeadLetterEntry } from './dead-letter-entry.ts';
export { letterId, toDeadLetterEntry } from './dead-letter-entry.ts';
export type { DeadLetter, DeadLetterPublisher } from './dead-letters.ts';
export {
  createDeadLetterPublisher,
  DEAD_LETTER_HEADERS,
  deadLetterOf,
  errorCodeOf,
  FILE_SOURCE_PREFIX,
  headerText,
  REDRIVE_HEADERS,
  redrivenElsewhere,
  toDeadLetterMessage,
} from './dead-letters.ts';
export type { EventDecoding, PoisonStage } from './decode-event.ts';
export { decodeEvent, Poison } from './decode-event.ts';
export type { ConsumerRestart, KafkaBatchesOptions, PartitionBatch } from './kafka-batches.ts';
export { ConsumerStoppedError, kafkaBatches, logRestarts } from './kafka-batches.ts';
export type { TopicMessages } from './send-in-chunks.ts';
export {
  chunkMessages,
  MAX_SEND_BYTES,
  messageBytes,
  sendBatchInChunks,
  sendInChunks,
} from './send-in-chunks.ts';
export type { TransactionOffsets } from './send-offsets.ts';
export {
  CONCURRENT_TRANSACTIONS_RETRY,
  isConcurrentTransactions,
  sendOffsetsInPlace,
} from './send-offsets.ts';
export type { SinkTransactionOptions } from './sink-retry.ts';
export { inSinkTransaction, SINK_RETRY, sinkUnavailable } from './sink-retry.ts';
