export type {
  DeadLetterIndexEvent,
  DeadLetterRow,
  DeadLettersChanges,
  RawPostgresProjection,
  RedriveRow,
} from './dead-letters-projection.ts';
export {
  deadLetterRow,
  deadLettersProjection,
  evolveDeadLetters,
  mergeDeadLettersChanges,
  redriveRow,
} from './dead-letters-projection.ts';
export type {
  DeadLetterDetail,
  DeadLetterPage,
  DeadLetterRefusal,
  DeadLetterSummary,
  DeadLettersQuery,
} from './query-dead-letters.ts';
export { MAX_DEAD_LETTER_PAGE, queryDeadLetter, queryDeadLetters } from './query-dead-letters.ts';
export type {
  DeadLetterIndexBatch,
  DeadLetterIndexDeps,
  RunningDeadLetterIndex,
} from './run-dead-letter-index.ts';
export { deadLetterIndexTopics, startDeadLetterIndex } from './run-dead-letter-index.ts';
