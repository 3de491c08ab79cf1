import type { IHeaders } from 'kafkajs';
import type { TopicMessage } from '../infra/kafka/index.ts';
import { DEAD_LETTER_HEADERS, headerText } from './dead-letters.ts';

/** A dead letter as tooling shows it: where it sits, why it failed, and the original bytes. */
export interface DeadLetterEntry {
  readonly dlqTopic: string;
  readonly partition: number;
  readonly offset: string;
  readonly errorClass: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly stage: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  readonly attempts: number;
  /** The consumer that gave up on it; '' for letters written before consumers named themselves. */
  readonly consumer: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Headers of the original event (the dead-letter headers removed). */
  readonly originalHeaders: IHeaders;
}

/** Where a letter sits, as `topic/partition/offset`: the id audit records and the CLI use. */
export const letterId = (entry: Pick<DeadLetterEntry, 'dlqTopic' | 'partition' | 'offset'>): string =>
  `${entry.dlqTopic}/${entry.partition}/${entry.offset}`;

const DLQ_HEADER_NAMES = new Set<string>(Object.values(DEAD_LETTER_HEADERS));

const text = (headers: IHeaders | undefined, name: string): string =>
  (headerText(headers, name) ?? '').trim();

/** Reads the documented header set of one dead-letter record. */
export function toDeadLetterEntry({ topic, partition, message }: TopicMessage): DeadLetterEntry {
  const h = message.headers;
  const originalHeaders: IHeaders = {};
  for (const [name, value] of Object.entries(h ?? {})) {
    if (!DLQ_HEADER_NAMES.has(name) && value !== undefined) originalHeaders[name] = value;
  }
  return {
    dlqTopic: topic,
    partition,
    offset: message.offset,
    errorClass: text(h, DEAD_LETTER_HEADERS.errorClass),
    errorCode: text(h, DEAD_LETTER_HEADERS.errorCode),
    errorMessage: text(h, DEAD_LETTER_HEADERS.errorMessage),
    stage: text(h, DEAD_LETTER_HEADERS.stage),
    sourceTopic: text(h, DEAD_LETTER_HEADERS.sourceTopic),
    sourcePartition: Number(text(h, DEAD_LETTER_HEADERS.sourcePartition)),
    sourceOffset: text(h, DEAD_LETTER_HEADERS.sourceOffset),
    firstFailedAt: text(h, DEAD_LETTER_HEADERS.firstFailedAt),
    lastFailedAt: text(h, DEAD_LETTER_HEADERS.lastFailedAt),
    attempts: Number(text(h, DEAD_LETTER_HEADERS.attempts) || 1),
    consumer: text(h, DEAD_LETTER_HEADERS.consumer),
    key: message.key,
    value: message.value,
    originalHeaders,
  };
}
