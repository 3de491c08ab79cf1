export { MAX_READING_BY_UNIT, ReadingRejectedError, validateReading } from './readings-validation/index.ts';
export type {
  DeadLetter,
  DeadLetterPublisher,
  KafkaBatchesOptions,
  PartitionBatch,
  RetryOptions,
} from './runtime/index.ts';
export {
  createDeadLetterPublisher,
  DEAD_LETTER_HEADERS,
  derivedEventId,
  kafkaBatches,
  toDeadLetterMessage,
  withRetry,
} from './runtime/index.ts';
