export type {
  DeadLetterEntry,
  DeadLetterToolDeps,
  RedriveReport,
  RedriveRequest,
} from './dead-letter-tools/index.ts';
export {
  letterId,
  listDeadLetters,
  REDRIVE_ACTION,
  redriveDeadLetters,
  toDeadLetterEntry,
} from './dead-letter-tools/index.ts';
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
  REDRIVE_HEADERS,
  toDeadLetterMessage,
  withRetry,
} from './runtime/index.ts';
