import type { Kafka } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import { readTopicToEnd } from '../../infra/kafka/index.ts';
import type { AuditRecord, EventCodec, TopicKey, TopicNames } from '../../schemas/index.ts';
import { derivedEventId, REDRIVE_HEADERS } from '../runtime/index.ts';
import { type DeadLetterEntry, letterId, toDeadLetterEntry } from './dead-letter-entry.ts';

export const REDRIVE_ACTION = 'dlq.redrive';

export interface DeadLetterToolDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
}

/** Every dead letter of one catalogue topic, oldest first. */
export async function listDeadLetters(deps: DeadLetterToolDeps, key: TopicKey): Promise<DeadLetterEntry[]> {
  return (await readTopicToEnd(deps.kafka, deps.names.deadLetter(key))).map(toDeadLetterEntry);
}

/** Letter ids that were already re-driven, from the audit log. */
async function alreadyRedriven(deps: DeadLetterToolDeps): Promise<Set<string>> {
  const done = new Set<string>();
  for (const { message } of await readTopicToEnd(deps.kafka, deps.names.topic('auditLog'))) {
    const record = (await deps.codec.decode('auditLog', message.value)).value;
    if (record.action === REDRIVE_ACTION && record.outcome === 'success') done.add(record.target);
  }
  return done;
}

export interface RedriveRequest {
  readonly key: TopicKey;
  /** Offsets in the dead-letter topic to re-drive; `all` for every letter not re-driven yet. */
  readonly select: readonly string[] | 'all';
  /** Who asks, recorded in the audit log, e.g. `user:alice`. */
  readonly actor: string;
  readonly clock?: () => Date;
}

export interface RedriveReport {
  readonly redriven: readonly DeadLetterEntry[];
  /** Selected letters that an earlier re-drive already sent back. */
  readonly skipped: readonly DeadLetterEntry[];
}

/**
 * Sends selected dead letters back to their source topic, each exactly once: the event (original
 * key, bytes and headers, plus its failure history) and an audit record naming the letter are
 * written in one Kafka transaction, and letters the audit log shows as re-driven are skipped.
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
  const done = await alreadyRedriven(deps);
  const todo = selected.filter((l) => !done.has(letterId(l)));
  const skipped = selected.filter((l) => done.has(letterId(l)));
  if (todo.length === 0) return { redriven: [], skipped };

  const producer = deps.kafka.producer({
    transactionalId: `eaio-dlq-redrive-${deps.names.prefix}${request.key}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const at = (request.clock ?? (() => new Date()))();
    for (const letter of todo) {
      const audit: AuditRecord = {
        eventId: derivedEventId(REDRIVE_ACTION, letterId(letter)),
        occurredAt: at,
        source: 'eaio-cli',
        actor: request.actor,
        action: REDRIVE_ACTION,
        target: letterId(letter),
        outcome: 'success',
        details: {
          sourceTopic: letter.sourceTopic,
          errorCode: letter.errorCode,
          attempts: String(letter.attempts),
        },
        traceContext: null,
      };
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
              },
            },
          ],
        });
        await transaction.send({
          topic: deps.names.topic('auditLog'),
          messages: [{ key: request.actor, value: await deps.codec.encode('auditLog', audit) }],
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
  return { redriven: todo, skipped };
}
