import type pg from 'pg';
import { REDRIVE_ACTION } from '../../processors/index.ts';
import type { AuditRecord } from '../../schemas/index.ts';
import { type DeadLetterEntry, headerText, letterId, REDRIVE_HEADERS } from '../../stream-runtime/index.ts';
import type { PostgresDdlContext } from '../projection.ts';

/**
 * What the dead-letter index folds. Dead letters are not Avro values (original bytes plus reason
 * headers), so they cannot be `ProjectionEvent`s: a letter arrives as the entry the `eaio dlq` tools
 * read, and re-drives as the decoded audit records that name the letter they sent back.
 */
export type DeadLetterIndexEvent =
  | { readonly kind: 'letter'; readonly entry: DeadLetterEntry }
  | { readonly kind: 'audit'; readonly record: AuditRecord };

/**
 * A Postgres read model over raw messages: `PostgresProjection` without `handles` (the inputs are
 * every `.dlq` topic of the catalogue plus the audit log, not typed topics), run by
 * `startDeadLetterIndex` instead of the projection engine.
 */
export interface RawPostgresProjection<E, S> {
  readonly store: 'postgres';
  readonly name: string;
  readonly description: string;
  initial(): S;
  evolve(state: S, event: E): S;
  ddl(context: PostgresDdlContext): string;
  readonly readerViews: readonly string[];
  apply(client: pg.ClientBase, changes: S): Promise<void>;
}

/** One row of `dead_letters`: one letter, keyed by where it sits in its dead-letter topic. */
export interface DeadLetterRow {
  readonly dlqTopic: string;
  readonly dlqPartition: number;
  readonly dlqOffset: string;
  /** Where the event sat before it failed; null when a header is missing or garbled. */
  readonly sourceTopic: string | null;
  readonly sourcePartition: number | null;
  readonly sourceOffset: string | null;
  readonly stage: string | null;
  readonly errorClass: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly firstFailedAt: Date | null;
  readonly lastFailedAt: Date | null;
  readonly attempts: number | null;
  readonly originalKey: Buffer | null;
  /** Size of the original value in bytes; the bytes themselves stay in the topic (`eaio dlq show`). */
  readonly valueBytes: number | null;
  /** The letter whose re-drive failed again into this one, from the re-drive headers. */
  readonly redrivenFrom: string | null;
  /** The consumer that gave up on the event (`projector`, `processor:<name>`); null when unnamed. */
  readonly consumer: string | null;
}

/** One row of `dead_letter_redrives`: the (first) successful re-drive of one letter. */
export interface RedriveRow {
  readonly dlqTopic: string;
  readonly dlqPartition: number;
  readonly dlqOffset: string;
  readonly redrivenAt: Date;
  readonly redrivenBy: string;
  readonly auditEventId: string;
}

/** One batch's changes: at most one row per letter in each table. */
export interface DeadLettersChanges {
  readonly letters: Map<string, DeadLetterRow>;
  readonly redrives: Map<string, RedriveRow>;
}

const textOrNull = (s: string): string | null => (s === '' ? null : s);
const intOrNull = (n: number): number | null => (Number.isSafeInteger(n) && n >= 0 ? n : null);
const offsetOrNull = (s: string): string | null => (/^\d+$/.test(s) ? s : null);
function dateOrNull(s: string): Date | null {
  if (s === '') return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The row of one letter; garbled headers become nulls, so a letter is indexed whatever it carries. */
export function deadLetterRow(entry: DeadLetterEntry): DeadLetterRow {
  return {
    dlqTopic: entry.dlqTopic,
    dlqPartition: entry.partition,
    dlqOffset: entry.offset,
    sourceTopic: textOrNull(entry.sourceTopic),
    sourcePartition: intOrNull(entry.sourcePartition),
    sourceOffset: offsetOrNull(entry.sourceOffset),
    stage: textOrNull(entry.stage),
    errorClass: textOrNull(entry.errorClass),
    errorCode: textOrNull(entry.errorCode),
    errorMessage: textOrNull(entry.errorMessage),
    firstFailedAt: dateOrNull(entry.firstFailedAt),
    lastFailedAt: dateOrNull(entry.lastFailedAt),
    attempts: intOrNull(entry.attempts),
    originalKey: entry.key,
    valueBytes: entry.value?.length ?? null,
    redrivenFrom: headerText(entry.originalHeaders, REDRIVE_HEADERS.from) ?? null,
    consumer: textOrNull(entry.consumer),
  };
}

/** The letter a re-drive audit record names (`topic/partition/offset`), or undefined for other records. */
export function redriveRow(record: AuditRecord): RedriveRow | undefined {
  if (record.action !== REDRIVE_ACTION || record.outcome !== 'success') return undefined;
  const match = /^(.+)\/(\d+)\/(\d+)$/.exec(record.target);
  if (match === null) return undefined;
  const [, dlqTopic = '', partition = '', offset = ''] = match;
  return {
    dlqTopic,
    dlqPartition: Number(partition),
    dlqOffset: offset,
    redrivenAt: record.occurredAt,
    redrivenBy: record.actor,
    auditEventId: record.eventId.toLowerCase(),
  };
}

const idOf = (row: { dlqTopic: string; dlqPartition: number; dlqOffset: string }): string =>
  letterId({ dlqTopic: row.dlqTopic, partition: row.dlqPartition, offset: row.dlqOffset });

/** The first re-drive wins: by audit time, then audit event id, so the choice is deterministic. */
const earlierRedrive = (a: RedriveRow, b: RedriveRow): boolean =>
  a.redrivenAt.getTime() !== b.redrivenAt.getTime()
    ? a.redrivenAt < b.redrivenAt
    : a.auditEventId < b.auditEventId;

function keepRedrive(redrives: Map<string, RedriveRow>, row: RedriveRow): void {
  const id = idOf(row);
  const seen = redrives.get(id);
  if (seen === undefined || earlierRedrive(row, seen)) redrives.set(id, row);
}

/** The batch fold: letters are immutable (one per position); a re-drive marks its letter. */
export function evolveDeadLetters(
  state: DeadLettersChanges,
  input: DeadLetterIndexEvent,
): DeadLettersChanges {
  if (input.kind === 'letter') {
    const row = deadLetterRow(input.entry);
    const id = idOf(row);
    if (!state.letters.has(id)) state.letters.set(id, row);
    return state;
  }
  const redrive = redriveRow(input.record);
  if (redrive !== undefined) keepRedrive(state.redrives, redrive);
  return state;
}

/** What `apply` does to stored rows, as a pure function. */
export function mergeDeadLettersChanges(
  earlier: DeadLettersChanges,
  later: DeadLettersChanges,
): DeadLettersChanges {
  const letters = new Map(earlier.letters);
  for (const [id, row] of later.letters) if (!letters.has(id)) letters.set(id, row);
  const redrives = new Map(earlier.redrives);
  for (const row of later.redrives.values()) keepRedrive(redrives, row);
  return { letters, redrives };
}

const DDL = `
CREATE TABLE IF NOT EXISTS dead_letters (
  dlq_topic        text NOT NULL,
  dlq_partition    integer NOT NULL,
  dlq_offset       bigint NOT NULL,
  source_topic     text,
  source_partition integer,
  source_offset    bigint,
  stage            text,
  error_class      text,
  error_code       text,
  error_message    text,
  first_failed_at  timestamptz,
  last_failed_at   timestamptz,
  attempts         integer,
  original_key     bytea,
  value_bytes      integer,
  redriven_from    text,
  consumer         text,
  PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);
-- Generations indexed before letters named their consumer gain the column.
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS consumer text;
CREATE INDEX IF NOT EXISTS dead_letters_source_position
  ON dead_letters (source_topic, source_partition, source_offset);
CREATE INDEX IF NOT EXISTS dead_letters_source_time ON dead_letters (source_topic, last_failed_at DESC);
CREATE INDEX IF NOT EXISTS dead_letters_error_code ON dead_letters (error_code, last_failed_at DESC);

-- Apart from dead_letters: the audit log and the dead-letter topics are consumed independently,
-- so a re-drive may be indexed before its letter.
CREATE TABLE IF NOT EXISTS dead_letter_redrives (
  dlq_topic      text NOT NULL,
  dlq_partition  integer NOT NULL,
  dlq_offset     bigint NOT NULL,
  redriven_at    timestamptz NOT NULL,
  redriven_by    text NOT NULL,
  audit_event_id uuid NOT NULL,
  PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);

-- Dropped and made again: a view cannot gain a column in the middle (l.* grew by consumer). The
-- reader view of the main schema over it is dropped with it and made again by the index's set-up.
DROP VIEW IF EXISTS dead_letter_index CASCADE;
CREATE VIEW dead_letter_index AS
SELECT l.*, r.redriven_at IS NOT NULL AS redriven, r.redriven_at, r.redriven_by, r.audit_event_id AS redrive_event_id
  FROM dead_letters l
  LEFT JOIN dead_letter_redrives r USING (dlq_topic, dlq_partition, dlq_offset);
`;

async function insertLetters(client: pg.ClientBase, rows: readonly DeadLetterRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO dead_letters (dlq_topic, dlq_partition, dlq_offset, source_topic, source_partition, source_offset,
       stage, error_class, error_code, error_message, first_failed_at, last_failed_at, attempts, original_key,
       value_bytes, redriven_from, consumer)
     SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::int[], $6::bigint[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::int[], $14::bytea[],
       $15::int[], $16::text[], $17::text[])
     ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO NOTHING`,
    [
      rows.map((r) => r.dlqTopic),
      rows.map((r) => r.dlqPartition),
      rows.map((r) => r.dlqOffset),
      rows.map((r) => r.sourceTopic),
      rows.map((r) => r.sourcePartition),
      rows.map((r) => r.sourceOffset),
      rows.map((r) => r.stage),
      rows.map((r) => r.errorClass),
      rows.map((r) => r.errorCode),
      rows.map((r) => r.errorMessage),
      rows.map((r) => r.firstFailedAt?.toISOString() ?? null),
      rows.map((r) => r.lastFailedAt?.toISOString() ?? null),
      rows.map((r) => r.attempts),
      rows.map((r) => r.originalKey),
      rows.map((r) => r.valueBytes),
      rows.map((r) => r.redrivenFrom),
      rows.map((r) => r.consumer),
    ],
  );
}

async function upsertRedrives(client: pg.ClientBase, rows: readonly RedriveRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO dead_letter_redrives (dlq_topic, dlq_partition, dlq_offset, redriven_at, redriven_by, audit_event_id)
     SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::timestamptz[], $5::text[], $6::uuid[])
     ON CONFLICT (dlq_topic, dlq_partition, dlq_offset) DO UPDATE SET
       redriven_at = excluded.redriven_at, redriven_by = excluded.redriven_by, audit_event_id = excluded.audit_event_id
     WHERE (excluded.redriven_at, excluded.audit_event_id)
         < (dead_letter_redrives.redriven_at, dead_letter_redrives.audit_event_id)`,
    [
      rows.map((r) => r.dlqTopic),
      rows.map((r) => r.dlqPartition),
      rows.map((r) => r.dlqOffset),
      rows.map((r) => r.redrivenAt.toISOString()),
      rows.map((r) => r.redrivenBy),
      rows.map((r) => r.auditEventId),
    ],
  );
}

/** The dead-letter index: every letter of every `.dlq` topic, with why it failed and whether it was re-driven. */
export const deadLettersProjection: RawPostgresProjection<DeadLetterIndexEvent, DeadLettersChanges> = {
  store: 'postgres',
  name: 'dead-letters',
  description:
    'Every dead letter of every .dlq topic: source position, stage, error, failure times, attempts, re-driven or not.',
  initial: () => ({ letters: new Map(), redrives: new Map() }),
  evolve: evolveDeadLetters,
  ddl: () => DDL,
  readerViews: ['dead_letters', 'dead_letter_redrives', 'dead_letter_index'],
  async apply(client, changes) {
    await insertLetters(client, [...changes.letters.values()]);
    await upsertRedrives(client, [...changes.redrives.values()]);
  },
};
