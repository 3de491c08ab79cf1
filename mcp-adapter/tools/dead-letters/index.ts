export { listDeadLetters, listDeadLettersInput, listDeadLettersOutput } from './list-dead-letters.ts';
export {
  MAX_REDRIVE_RECORDS,
  redriveDeadLetters,
  redriveDeadLettersInput,
  redriveDeadLettersOutput,
} from './redrive-dead-letters.ts';
export { showDeadLetter, showDeadLetterInput, showDeadLetterOutput } from './show-dead-letter.ts';
