import type { IHeaders, Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS, FILE_SOURCE_PREFIX } from '../../../stream-runtime/index.ts';

/** Headers an import's dead letters carry beside the standard {@link DEAD_LETTER_HEADERS}. */
export const IMPORT_DEAD_LETTER_HEADERS = {
  file: 'eaio.import.file',
  line: 'eaio.import.line',
  reason: 'eaio.import.reason',
  sourceId: 'eaio.import.source-id',
} as const;

/** The stage dead letters of imports name; re-drive refuses letters of this stage. */
export const IMPORT_STAGE = 'import';

/** The error class an import's dead letters name. */
export const IMPORT_ROW_REJECTED = 'ImportRowRejected';

/** The source topic an import's dead letters name: the file, since the record never was an event. */
export const importSourceTopic = (fileName: string): string => `${FILE_SOURCE_PREFIX}${fileName}`;

export interface ImportLetter {
  readonly fileName: string;
  readonly sourceId: string;
  readonly line: number;
  /** The record's original bytes (without its line end): the letter's value. */
  readonly bytes: Buffer;
  readonly reason: string;
  readonly detail: string;
  readonly failedAt: string;
}

/**
 * A refused record as a dead letter: its original bytes as the value, keyed by the file's sourceId so
 * one file's letters stay together, with the standard headers (offset = line) and the import's own.
 */
export function importDeadLetter(letter: ImportLetter): Message {
  const headers: IHeaders = {
    [DEAD_LETTER_HEADERS.errorClass]: IMPORT_ROW_REJECTED,
    [DEAD_LETTER_HEADERS.errorCode]: 'IMPORT_ROW',
    [DEAD_LETTER_HEADERS.errorMessage]:
      letter.detail === '' ? letter.reason : `${letter.reason}: ${letter.detail}`,
    [DEAD_LETTER_HEADERS.stage]: IMPORT_STAGE,
    [DEAD_LETTER_HEADERS.sourceTopic]: importSourceTopic(letter.fileName),
    [DEAD_LETTER_HEADERS.sourcePartition]: '-1',
    [DEAD_LETTER_HEADERS.sourceOffset]: String(letter.line),
    [DEAD_LETTER_HEADERS.firstFailedAt]: letter.failedAt,
    [DEAD_LETTER_HEADERS.lastFailedAt]: letter.failedAt,
    [DEAD_LETTER_HEADERS.attempts]: '1',
    [DEAD_LETTER_HEADERS.consumer]: IMPORT_STAGE,
    [IMPORT_DEAD_LETTER_HEADERS.file]: letter.fileName,
    [IMPORT_DEAD_LETTER_HEADERS.line]: String(letter.line),
    [IMPORT_DEAD_LETTER_HEADERS.reason]: letter.reason,
    [IMPORT_DEAD_LETTER_HEADERS.sourceId]: letter.sourceId,
  };
  return { key: letter.sourceId, value: letter.bytes, headers };
}
