import type { IHeaders } from 'kafkajs';
import { readTopicToEnd } from '../../../infra/kafka/index.ts';
import type { TopicKey } from '../../../schemas/index.ts';
import { DEAD_LETTER_HEADERS, headerText } from '../../../stream-runtime/index.ts';
import type { TestPlatform } from '../../support/test-platform.ts';

/**
 * Header a scenario puts on every record it sends raw (poison, dirty inputs), so that the record's
 * letters can be found whatever its bytes are: a letter keeps the original headers.
 */
export const RECORD_ID_HEADER = 'eaio.test.record-id';

/** One dead letter as a scenario matches it against its ledger. */
export interface ReadLetter {
  /** The record id header when the record carried one, else the letter's message key. */
  readonly key: string;
  /** Code, stage and message in one line, e.g. `SCHEMA_FRAMING decode Message starts with ...`. */
  readonly reason: string;
  readonly code: string;
  /** The consumer that gave up (`projector`, `processor:<name>`), when the letter names it. */
  readonly consumer: string | undefined;
}

function letterOf(key: Buffer | null, headers: IHeaders | undefined): ReadLetter {
  const code = headerText(headers, DEAD_LETTER_HEADERS.errorCode) ?? '';
  const stage = headerText(headers, DEAD_LETTER_HEADERS.stage) ?? '';
  const message = headerText(headers, DEAD_LETTER_HEADERS.errorMessage) ?? '';
  return {
    key: headerText(headers, RECORD_ID_HEADER) ?? key?.toString() ?? '',
    reason: `${code} ${stage} ${message}`,
    code,
    consumer: headerText(headers, DEAD_LETTER_HEADERS.consumer),
  };
}

/** Every letter on `topic`'s dead-letter topic so far. */
export async function readDeadLetters(platform: TestPlatform, topic: TopicKey): Promise<ReadLetter[]> {
  const messages = await readTopicToEnd(platform.kafka, platform.names.deadLetter(topic));
  return messages.map(({ message }) => letterOf(message.key, message.headers));
}

/**
 * The (record, consumer) pairs with no letter from that consumer giving the expected reason: each
 * consumer that meets a poison record must dead-letter it itself. Counts of letters per record are
 * not checked (a redelivery after a crash may write a second one).
 */
export function unmatchedByConsumer(
  letters: readonly ReadLetter[],
  poison: ReadonlyMap<string, RegExp>,
  consumers: readonly string[],
): string[] {
  const missing: string[] = [];
  for (const [key, reason] of poison) {
    for (const consumer of consumers) {
      const found = letters.some((l) => l.key === key && l.consumer === consumer && reason.test(l.reason));
      if (!found) missing.push(`${key} by ${consumer}`);
    }
  }
  return missing;
}
