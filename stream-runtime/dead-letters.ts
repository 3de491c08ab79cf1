import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import { EaioError } from '../infra/errors/index.ts';
import { sendInChunks } from './send-in-chunks.ts';

/**
 * Headers every dead letter carries, beside the original key, value and headers. Documented in the
 * README; `eaio dlq` tooling (issue 4) reads them.
 */
export const DEAD_LETTER_HEADERS = {
  errorClass: 'eaio.dlq.error.class',
  errorCode: 'eaio.dlq.error.code',
  errorMessage: 'eaio.dlq.error.message',
  stage: 'eaio.dlq.stage',
  sourceTopic: 'eaio.dlq.source.topic',
  sourcePartition: 'eaio.dlq.source.partition',
  sourceOffset: 'eaio.dlq.source.offset',
  firstFailedAt: 'eaio.dlq.failed.first',
  lastFailedAt: 'eaio.dlq.failed.last',
  attempts: 'eaio.dlq.attempts',
  /** The consumer that gave up (`projector`, `processor:<name>`), so one event's letters name who refused it. */
  consumer: 'eaio.dlq.consumer',
} as const;

/**
 * Source-topic prefix of dead letters that never were events: rows `eaio import` refused, named
 * `file:<file name>`. Their value is CSV text, so they cannot be re-driven onto an Avro topic.
 */
export const FILE_SOURCE_PREFIX = 'file:';

/**
 * Headers a re-driven event carries back to its source topic, so that if it fails again its new
 * dead letter continues the old one's history instead of starting over.
 */
export const REDRIVE_HEADERS = {
  from: 'eaio.redrive.from',
  firstFailedAt: 'eaio.redrive.failed.first',
  attempts: 'eaio.redrive.attempts',
  /**
   * The consumers that refused the event (comma-separated, as their letters name them): only they take
   * the re-driven copy; every other consumer of the topic handled the original and passes it over.
   */
  for: 'eaio.redrive.for',
} as const;

/**
 * True when `message` is a re-driven copy meant for other consumers than `consumer` (it handled the
 * original), which then passes it over. A copy without the header (re-driven before letters named
 * their consumer) is for every consumer.
 */
export function redrivenElsewhere(headers: IHeaders | undefined, consumer: string): boolean {
  const targets = headerText(headers, REDRIVE_HEADERS.for);
  if (targets === undefined) return false;
  return !targets.split(',').includes(consumer);
}

/** The first value of a Kafka header as text; undefined when the message does not carry it. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

/** The code dead letters, metrics and operation records carry for a failure: its EAIO code, if any. */
export function errorCodeOf(error: unknown): string {
  return error instanceof EaioError ? error.code : 'UNCLASSIFIED';
}

/** An event a consumer gave up on, with where it came from and why; see {@link toDeadLetterMessage}. */
export interface DeadLetter {
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly message: KafkaMessage;
  readonly error: unknown;
  /** Which stage gave up on the event, e.g. `decode`, `validate`. */
  readonly stage: string;
  readonly attempts: number;
  /** The consumer that gave up on it, e.g. `projector` or `processor:anomalies`; written as a header. */
  readonly consumer?: string;
}

/** A first-time dead letter for a message of a partition batch, failed at `stage`. */
export function deadLetterOf(
  batch: { readonly topic: string; readonly partition: number },
  message: KafkaMessage,
  error: unknown,
  stage: string,
  consumer?: string,
): DeadLetter {
  return {
    sourceTopic: batch.topic,
    sourcePartition: batch.partition,
    message,
    error,
    stage,
    attempts: 1,
    ...(consumer === undefined ? {} : { consumer }),
  };
}

function describe(error: unknown): { errorClass: string; code: string; message: string } {
  if (error instanceof Error)
    return { errorClass: error.name, code: errorCodeOf(error), message: error.message };
  return { errorClass: typeof error, code: 'UNCLASSIFIED', message: String(error) };
}

/** Builds the dead-letter record: the original bytes untouched, the reason in headers. */
export function toDeadLetterMessage(letter: DeadLetter, failedAt: Date): Message {
  const { errorClass, code, message } = describe(letter.error);
  const at = failedAt.toISOString();
  const earlierAttempts = Number(headerText(letter.message.headers, REDRIVE_HEADERS.attempts) ?? 0);
  const headers: IHeaders = {
    ...letter.message.headers,
    [DEAD_LETTER_HEADERS.errorClass]: errorClass,
    [DEAD_LETTER_HEADERS.errorCode]: code,
    [DEAD_LETTER_HEADERS.errorMessage]: message,
    [DEAD_LETTER_HEADERS.stage]: letter.stage,
    [DEAD_LETTER_HEADERS.sourceTopic]: letter.sourceTopic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(letter.sourcePartition),
    [DEAD_LETTER_HEADERS.sourceOffset]: letter.message.offset,
    [DEAD_LETTER_HEADERS.firstFailedAt]:
      headerText(letter.message.headers, REDRIVE_HEADERS.firstFailedAt) ?? at,
    [DEAD_LETTER_HEADERS.lastFailedAt]: at,
    [DEAD_LETTER_HEADERS.attempts]: String(earlierAttempts + letter.attempts),
    ...(letter.consumer === undefined ? {} : { [DEAD_LETTER_HEADERS.consumer]: letter.consumer }),
  };
  return { key: letter.message.key, value: letter.message.value, headers };
}

/** Writes dead letters outside any transaction (the projector's and the table reader's way). */
export interface DeadLetterPublisher {
  /** Produces the letters and resolves once the broker has them (acks from all in-sync replicas). */
  publish(topic: string, letters: readonly DeadLetter[]): Promise<void>;
}

/** A {@link DeadLetterPublisher} on `producer`, stamping letters with `clock()` as their failure time. */
export function createDeadLetterPublisher(
  producer: Producer,
  clock: () => Date = () => new Date(),
): DeadLetterPublisher {
  return {
    async publish(topic, letters) {
      if (letters.length === 0) return;
      const failedAt = clock();
      // Letters carry the original bytes: a batch of large poison events must not exceed the broker's limit.
      await sendInChunks(
        { send: (record) => producer.send({ ...record, acks: -1 }) },
        topic,
        letters.map((l) => toDeadLetterMessage(l, failedAt)),
      );
    },
  };
}
