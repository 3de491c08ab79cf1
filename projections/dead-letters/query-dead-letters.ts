import type pg from 'pg';
import { EaioError } from '../../infra/errors/index.ts';

/** The most entries one page of {@link queryDeadLetters} holds. */
export const MAX_DEAD_LETTER_PAGE = 200;

/** Which failed source records to list; every filter optional. */
export interface DeadLettersQuery {
  /**
   * The source topic, as the index holds it (`<prefix>sensor-readings`) or by its catalogue name
   * (`sensor-readings`), which matches it under any topic prefix.
   */
  readonly topic?: string;
  /** Only records this consumer refused, e.g. `projector` or `processor:anomalies`. */
  readonly consumer?: string;
  /** Only records a consumer refused with this error code, e.g. `SCHEMA_FRAMING`. */
  readonly errorCode?: string;
  /** Only records that failed (last) at or after this time. */
  readonly since?: Date;
  /** Only records not re-driven yet (true) or only re-driven ones (false). */
  readonly redriven?: boolean;
  /** Page size; default 50, at most {@link MAX_DEAD_LETTER_PAGE}. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** One consumer's refusal of a record: one letter in the dead-letter topic. */
export interface DeadLetterRefusal {
  /** The letter's id, `dlqTopic/partition/offset`. */
  readonly letterId: string;
  /** `projector`, `processor:<name>`, or null for letters written before consumers named themselves. */
  readonly consumer: string | null;
  readonly stage: string | null;
  readonly errorCode: string | null;
  readonly errorClass: string | null;
  readonly errorMessage: string | null;
  readonly failedAt: Date | null;
  readonly attempts: number | null;
  /** When this letter was re-driven and by whom (the audit record's actor); null when not. */
  readonly redrivenAt: Date | null;
  readonly redrivenBy: string | null;
}

/** One failed source record: where it sat, and every consumer that refused it. */
export interface DeadLetterSummary {
  /** The id of its first letter, `dlqTopic/partition/offset`: what show and re-drive take. */
  readonly id: string;
  readonly dlqTopic: string;
  /** Where the event sat before it failed; null when its letters' headers are garbled. */
  readonly sourceTopic: string | null;
  readonly sourcePartition: number | null;
  readonly sourceOffset: string | null;
  readonly firstFailedAt: Date | null;
  readonly lastFailedAt: Date | null;
  /** Distinct consumers that refused it (a letter without a named consumer counts by its stage). */
  readonly consumers: readonly string[];
  readonly errorCodes: readonly string[];
  /** Whether it was sent back to its source topic (any of its letters re-driven). */
  readonly redriven: boolean;
  /** The letter whose re-drive failed again as this record, when it is one. */
  readonly redrivenFrom: string | null;
  readonly refusals: readonly DeadLetterRefusal[];
}

/** A page of failed source records, newest failure first. */
export interface DeadLetterPage {
  readonly entries: readonly DeadLetterSummary[];
  /** Pass as `cursor` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

/** A record in full: its letters, the size of its original bytes, and its re-drive history. */
export interface DeadLetterDetail extends DeadLetterSummary {
  readonly key: string | null;
  readonly valueBytes: number | null;
  /** Every re-drive of its letters: when, by whom, and the audit record that says so. */
  readonly redrives: readonly {
    readonly letterId: string;
    readonly redrivenAt: Date;
    readonly redrivenBy: string;
    readonly auditEventId: string;
  }[];
  /** Records a re-drive of this one failed again as, by their ids. */
  readonly failedAgainAs: readonly string[];
}

interface Cursor {
  readonly t: string;
  readonly id: string;
}

function encodeCursor(entry: DeadLetterSummary): string {
  const cursor: Cursor = { t: (entry.lastFailedAt ?? new Date(0)).toISOString(), id: entry.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof parsed.t === 'string' && typeof parsed.id === 'string' && !Number.isNaN(Date.parse(parsed.t)))
      return { t: parsed.t, id: parsed.id };
  } catch {
    // Reported below as a bad argument.
  }
  throw new EaioError(
    'INVALID_ARGUMENT',
    'permanent',
    `cursor '${text}' is not one this listing gave; start again without a cursor`,
  );
}

/**
 * Letters with the key of the source record they belong to (its position, or the letter itself when
 * the position headers are garbled) and the consumer that refused it: the header, or for older letters
 * the processor a `process:<name>` stage names.
 */
const LETTERS = `
  SELECT l.*,
         l.dlq_topic || '/' || l.dlq_partition || '/' || l.dlq_offset AS letter_id,
         CASE WHEN l.source_topic IS NULL OR l.source_partition IS NULL OR l.source_offset IS NULL
              THEN 'letter:' || l.dlq_topic || '/' || l.dlq_partition || '/' || l.dlq_offset
              ELSE l.source_topic || '/' || l.source_partition || '/' || l.source_offset END AS record,
         COALESCE(l.consumer,
                  CASE WHEN l.stage LIKE 'process:%' THEN 'processor:' || substr(l.stage, 9) END) AS refused_by
    FROM dead_letter_index l`;

/** The records as entries: one row per record, its first letter's id as its id. */
const RECORDS = `
  WITH letters AS (${LETTERS}),
  records AS (
    SELECT record,
           min(dlq_topic) AS dlq_topic,
           (array_agg(letter_id ORDER BY dlq_offset))[1] AS id,
           min(first_failed_at) AS first_failed_at,
           max(last_failed_at) AS last_failed_at,
           bool_or(redriven) AS redriven
      FROM letters GROUP BY record
  )`;

interface LetterDbRow {
  record: string;
  letter_id: string;
  dlq_topic: string;
  source_topic: string | null;
  source_partition: number | null;
  source_offset: string | null;
  stage: string | null;
  error_class: string | null;
  error_code: string | null;
  error_message: string | null;
  first_failed_at: Date | null;
  last_failed_at: Date | null;
  attempts: number | null;
  original_key: Buffer | null;
  value_bytes: number | null;
  redriven_from: string | null;
  refused_by: string | null;
  redriven_at: Date | null;
  redriven_by: string | null;
  redrive_event_id: string | null;
  dlq_offset: string;
}

const distinct = (values: readonly (string | null)[]): string[] => [
  ...new Set(values.filter((v): v is string => v !== null)),
];

/** Folds the letters of one record (oldest letter first) into its summary. */
function summaryOf(id: string, letters: readonly LetterDbRow[]): DeadLetterSummary {
  const first = letters[0];
  if (first === undefined) throw new Error(`record ${id} has no letters`);
  const times = (pick: (l: LetterDbRow) => Date | null) =>
    letters.map(pick).filter((d): d is Date => d !== null);
  const firstTimes = times((l) => l.first_failed_at);
  const lastTimes = times((l) => l.last_failed_at);
  return {
    id,
    dlqTopic: first.dlq_topic,
    sourceTopic: first.source_topic,
    sourcePartition: first.source_partition,
    sourceOffset: first.source_offset,
    firstFailedAt: firstTimes.length === 0 ? null : new Date(Math.min(...firstTimes.map((d) => d.getTime()))),
    lastFailedAt: lastTimes.length === 0 ? null : new Date(Math.max(...lastTimes.map((d) => d.getTime()))),
    consumers: distinct(letters.map((l) => l.refused_by ?? (l.stage === null ? null : `stage:${l.stage}`))),
    errorCodes: distinct(letters.map((l) => l.error_code)),
    redriven: letters.some((l) => l.redriven_at !== null),
    redrivenFrom: letters.find((l) => l.redriven_from !== null)?.redriven_from ?? null,
    refusals: letters.map((l) => ({
      letterId: l.letter_id,
      consumer: l.refused_by,
      stage: l.stage,
      errorCode: l.error_code,
      errorClass: l.error_class,
      errorMessage: l.error_message,
      failedAt: l.last_failed_at,
      attempts: l.attempts,
      redrivenAt: l.redriven_at,
      redrivenBy: l.redriven_by,
    })),
  };
}

async function lettersOf(db: pg.ClientBase | pg.Pool, records: readonly string[]): Promise<LetterDbRow[]> {
  const { rows } = await db.query<LetterDbRow>(
    `WITH letters AS (${LETTERS})
     SELECT * FROM letters WHERE record = ANY($1::text[]) ORDER BY record, dlq_offset`,
    [records],
  );
  return rows;
}

/**
 * One page of failed source records from the dead-letter index, newest failure first: each record
 * once, however many consumers dead-lettered it, with every refusal. A record matches a filter when
 * any of its letters does.
 */
export async function queryDeadLetters(
  db: pg.ClientBase | pg.Pool,
  query: DeadLettersQuery = {},
): Promise<DeadLetterPage> {
  const limit = Math.min(Math.max(1, query.limit ?? 50), MAX_DEAD_LETTER_PAGE);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const { rows } = await db.query<{ record: string; id: string }>(
    `${RECORDS}
     SELECT r.record, r.id
       FROM records r
      WHERE EXISTS (
              SELECT 1 FROM letters l
               WHERE l.record = r.record
                 AND ($1::text IS NULL OR l.source_topic = $1 OR right(l.source_topic, length($1) + 1) = '.' || $1)
                 AND ($2::text IS NULL OR l.refused_by = $2)
                 AND ($3::text IS NULL OR l.error_code = $3))
        AND ($4::timestamptz IS NULL OR r.last_failed_at >= $4)
        AND ($5::boolean IS NULL OR r.redriven = $5)
        AND ($6::timestamptz IS NULL
             OR (COALESCE(r.last_failed_at, 'epoch'), r.id) < ($6::timestamptz, $7::text))
      ORDER BY COALESCE(r.last_failed_at, 'epoch') DESC, r.id DESC
      LIMIT $8`,
    [
      query.topic ?? null,
      query.consumer ?? null,
      query.errorCode ?? null,
      query.since?.toISOString() ?? null,
      query.redriven ?? null,
      cursor?.t ?? null,
      cursor?.id ?? null,
      limit + 1,
    ],
  );
  const page = rows.slice(0, limit);
  const letters = await lettersOf(
    db,
    page.map((r) => r.record),
  );
  const entries = page.map((r) =>
    summaryOf(
      r.id,
      letters.filter((l) => l.record === r.record),
    ),
  );
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
}

/**
 * One failed source record in full, by the id of any of its letters: its refusals, its key, the size
 * of its bytes, its re-drives and the records those re-drives failed again as. Undefined when no
 * letter has that id.
 */
export async function queryDeadLetter(
  db: pg.ClientBase | pg.Pool,
  letterId: string,
): Promise<DeadLetterDetail | undefined> {
  const { rows: found } = await db.query<{ record: string; id: string }>(
    `${RECORDS}
     SELECT r.record, r.id FROM records r
      WHERE r.record = (SELECT record FROM letters WHERE letter_id = $1 LIMIT 1)`,
    [letterId],
  );
  const match = found[0];
  if (match === undefined) return undefined;
  const letters = await lettersOf(db, [match.record]);
  const summary = summaryOf(match.id, letters);
  const ids = letters.map((l) => l.letter_id);
  const { rows: again } = await db.query<{ id: string }>(
    `${RECORDS}
     SELECT DISTINCT r.id FROM records r JOIN letters l ON l.record = r.record
      WHERE l.redriven_from = ANY($1::text[]) ORDER BY r.id`,
    [ids],
  );
  const first = letters[0];
  return {
    ...summary,
    key: first?.original_key?.toString('utf8') ?? null,
    valueBytes: first?.value_bytes ?? null,
    redrives: letters.flatMap((l) =>
      l.redriven_at === null || l.redriven_by === null
        ? []
        : [
            {
              letterId: l.letter_id,
              redrivenAt: l.redriven_at,
              redrivenBy: l.redriven_by,
              auditEventId: l.redrive_event_id ?? '',
            },
          ],
    ),
    failedAgainAs: again.map((r) => r.id),
  };
}
