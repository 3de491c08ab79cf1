import type { Kafka } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import { createProducer, readTopicToEnd } from '../../infra/kafka/index.ts';
import {
  type AuditRecord,
  derivedEventId,
  type EventCodec,
  type TopicKey,
  type TopicNames,
} from '../../schemas/index.ts';
import {
  type DeadLetterEntry,
  FILE_SOURCE_PREFIX,
  letterId,
  REDRIVE_HEADERS,
  toDeadLetterEntry,
} from '../../stream-runtime/index.ts';
import { sourcePositionOf } from './group-letters.ts';

/** The audit action of a re-drive: the dead-letter index and later re-drives look for it. */
export const REDRIVE_ACTION = 'dlq.redrive';

/** What listing and re-driving dead letters need. */
export interface DeadLetterToolDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
}

/** Every dead letter of one catalogue topic, oldest first. */
export async function listDeadLetters(deps: DeadLetterToolDeps, key: TopicKey): Promise<DeadLetterEntry[]> {
  return (await readTopicToEnd(deps.kafka, deps.names.deadLetter(key))).map(toDeadLetterEntry);
}

/**
 * Where a dead letter's event sat in its source topic. Several consumers of one topic (the
 * projector and each processor) dead-letter the same poison event, each with its own letter: they
 * share this position, and one re-drive of it re-feeds every consumer that refused it.
 */
const sourcePosition = sourcePositionOf;

/**
 * The consumers the re-driven copy of an event at `position` is for: every consumer that refused it
 * (any of its letters, selected or not). Undefined, for every consumer, when a letter names none
 * (written before letters named their consumer): it cannot be told who handled the original.
 */
function refusedBy(letters: readonly DeadLetterEntry[], position: string): string | undefined {
  const mine = letters.filter((l) => sourcePosition(l) === position);
  if (mine.length === 0 || mine.some((l) => l.consumer === '')) return undefined;
  return [...new Set(mine.map((l) => l.consumer))].sort().join(',');
}

/** Letter ids and source positions already re-driven, from the audit log. */
async function alreadyRedriven(deps: DeadLetterToolDeps): Promise<Set<string>> {
  const done = new Set<string>();
  for (const { message } of await readTopicToEnd(deps.kafka, deps.names.topic('auditLog'))) {
    const record = (await deps.codec.decode('auditLog', message.value)).value;
    if (record.action !== REDRIVE_ACTION || record.outcome !== 'success') continue;
    done.add(record.target);
    const position = record.details?.sourcePosition;
    if (position !== undefined) done.add(position);
  }
  return done;
}

/** Which letters of one topic to re-drive, and who asks. */
export interface RedriveRequest {
  readonly key: TopicKey;
  /** Offsets in the dead-letter topic to re-drive; `all` for every letter not re-driven yet. */
  readonly select: readonly string[] | 'all';
  /** Who asks, recorded in the audit log, e.g. `user:alice`. */
  readonly actor: string;
  readonly clock?: () => Date;
  /** The audit record's `source`: what the request came through; `eaio-cli` by default. */
  readonly source?: string;
  /** Only say what would be sent and what was sent already; produce nothing. */
  readonly dryRun?: boolean;
}

/** What a re-drive sent back and what it found already sent. */
export interface RedriveReport {
  readonly redriven: readonly DeadLetterEntry[];
  /** Selected letters that an earlier re-drive already sent back. */
  readonly skipped: readonly DeadLetterEntry[];
  /** Events put back on their source topic (one per source position), or that would be in a dry run. */
  readonly sent: number;
  /**
   * Each record sent (or that would be): its source position and the consumers its copy is for,
   * those that refused it; `all` when a letter of it names no consumer (written before letters did).
   */
  readonly sends: readonly { readonly position: string; readonly for: readonly string[] | 'all' }[];
  /** Letters of rows `eaio import` refused (CSV text, not events), left out of `all`: re-import the file instead. */
  readonly refused: readonly DeadLetterEntry[];
}

/** A row an import refused: its value is the file's text, never an event of the topic. */
const isFileRow = (l: DeadLetterEntry): boolean => l.sourceTopic.startsWith(FILE_SOURCE_PREFIX);

/**
 * Sends selected dead letters back to their source topic, each exactly once: the event (original
 * key, bytes and headers, plus its failure history) and an audit record naming the letter are
 * written in one Kafka transaction, and letters the audit log shows as re-driven are skipped. The
 * copy names the consumers that refused the event (`eaio.redrive.for`): the others handled the
 * original and pass the copy over, so it never returns to a consumer that already handled it.
 */
export async function redriveDeadLetters(
  deps: DeadLetterToolDeps,
  request: RedriveRequest,
): Promise<RedriveReport> {
  const letters = await listDeadLetters(deps, request.key);
  const selected =
    request.select === 'all'
      ? letters
      : letters.filter((l) => (request.select as readonly string[]).includes(l.offset));
  if (request.select !== 'all') {
    const missing = request.select.filter((o) => !letters.some((l) => l.offset === o));
    if (missing.length > 0) {
      throw new EaioError(
        'INVALID_ARGUMENT',
        'permanent',
        `No dead letter at offset(s) ${missing.join(', ')} of ${deps.names.deadLetter(request.key)}; run \`eaio dlq list\` to see them.`,
      );
    }
  }
  const refused = selected.filter(isFileRow);
  if (request.select !== 'all' && refused.length > 0) {
    const rows = refused.map(
      (l) => `${l.offset} (${l.sourceTopic.slice(FILE_SOURCE_PREFIX.length)} line ${l.sourceOffset})`,
    );
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `Dead letter(s) ${rows.join(', ')} of ${deps.names.deadLetter(request.key)} are rows \`eaio import\` refused: they hold the file's text, not events, and cannot be re-driven; re-import the corrected file instead.`,
    );
  }
  const done = await alreadyRedriven(deps);
  const isDone = (l: DeadLetterEntry) => done.has(letterId(l)) || done.has(sourcePosition(l));
  const todo = selected.filter((l) => !isDone(l) && !isFileRow(l));
  const skipped = selected.filter((l) => isDone(l) && !isFileRow(l));
  if (todo.length === 0) return { redriven: [], skipped, sent: 0, sends: [], refused };
  // One send per source position; every letter of it is recorded as re-driven by that send.
  const byPosition = new Map<string, DeadLetterEntry[]>();
  for (const letter of todo) {
    byPosition.set(sourcePosition(letter), [...(byPosition.get(sourcePosition(letter)) ?? []), letter]);
  }
  const sends = [...byPosition.keys()].map((position) => ({
    position,
    for: refusedBy(letters, position)?.split(',') ?? ('all' as const),
  }));
  if (request.dryRun === true) return { redriven: todo, skipped, sent: byPosition.size, sends, refused };

  const producer = createProducer(deps.kafka, {
    transactionalId: `eaio-dlq-redrive-${deps.names.prefix}${request.key}`,
  });
  await producer.connect();
  try {
    const at = (request.clock ?? (() => new Date()))();
    for (const [position, group] of byPosition) {
      const [letter] = group;
      if (letter === undefined) continue;
      const audits = group.map(
        (l): AuditRecord => ({
          eventId: derivedEventId(REDRIVE_ACTION, letterId(l)),
          occurredAt: at,
          source: request.source ?? 'eaio-cli',
          actor: request.actor,
          action: REDRIVE_ACTION,
          target: letterId(l),
          outcome: 'success',
          details: {
            sourceTopic: l.sourceTopic,
            sourcePosition: position,
            stage: l.stage,
            errorCode: l.errorCode,
            attempts: String(l.attempts),
          },
          traceContext: null,
        }),
      );
      const targets = refusedBy(letters, position);
      const transaction = await producer.transaction();
      try {
        await transaction.send({
          topic: letter.sourceTopic,
          messages: [
            {
              key: letter.key,
              value: letter.value,
              headers: {
                ...letter.originalHeaders,
                [REDRIVE_HEADERS.from]: letterId(letter),
                [REDRIVE_HEADERS.firstFailedAt]: letter.firstFailedAt,
                [REDRIVE_HEADERS.attempts]: String(letter.attempts),
                // Consumers that handled the original pass the copy over; only those that refused it retry.
                ...(targets === undefined ? {} : { [REDRIVE_HEADERS.for]: targets }),
              },
            },
          ],
        });
        await transaction.send({
          topic: deps.names.topic('auditLog'),
          messages: await Promise.all(
            audits.map(async (audit) => ({
              key: request.actor,
              value: await deps.codec.encode('auditLog', audit),
            })),
          ),
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    }
  } finally {
    await producer.disconnect();
  }
  return { redriven: todo, skipped, sent: byPosition.size, sends, refused };
}
