export type { FailedRecord } from './group-letters.ts';
export { groupLettersByRecord, refuserOf, sourcePositionOf } from './group-letters.ts';
export type { DeadLetterToolDeps, RedriveReport, RedriveRequest } from './redrive-dead-letters.ts';
export { listDeadLetters, REDRIVE_ACTION, redriveDeadLetters } from './redrive-dead-letters.ts';
