import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import pg from 'pg';
import type { Subscription } from 'rxjs';
import { groupTimeouts } from '../../infra/kafka/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import {
  type AuditRecord,
  type DecodedEvent,
  type EventCodec,
  TOPICS,
  type TopicKey,
  type TopicNames,
} from '../../schemas/index.ts';
import {
  decodeEvent,
  type EventDecoding,
  handleEachBatch,
  inSinkTransaction,
  kafkaBatches,
  logRestarts,
  type PartitionBatch,
  Poison,
  toDeadLetterEntry,
} from '../../stream-runtime/index.ts';
import { generationSchema } from '../generation-names.ts';
import { type DeadLetterIndexEvent, deadLettersProjection } from './dead-letters-projection.ts';

/** What the dead-letter index runs on. */
export interface DeadLetterIndexDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly pool: pg.Pool;
  /** Main schema: holds `projection_generations`, `projection_offsets` and the reader views. */
  readonly schema: string;
  readonly logger: Logger;
  /** Kafka session timeout of the consumer; default 30 s. */
  readonly sessionTimeoutMs?: number;
  /** Called after each batch is committed; default: a debug log line. */
  readonly onBatch?: (outcome: DeadLetterIndexBatch) => void;
}

/** What one handled batch did, for tests, metrics and logs. */
export interface DeadLetterIndexBatch {
  readonly topic: string;
  readonly partition: number;
  /** Messages the batch delivered. */
  readonly read: number;
  /** Messages folded; those below the stored offset (already applied) are skipped, not counted. */
  readonly applied: number;
  /** Offset the index will read next in this partition. */
  readonly nextOffset: string;
}

/** The index running until `stop` resolves. */
export interface RunningDeadLetterIndex {
  /** Schema of the generation being written. */
  readonly location: string;
  readonly generation: number;
  stop(): Promise<void>;
}

const PROJECTION = deadLettersProjection.name;
/** Serialises generation set-up across processes starting at once. */
const SETUP_LOCK_KEY = 0x4ea1d;

/** Every topic the index reads: each catalogue topic's `.dlq`, and the audit log for re-drives. */
export function deadLetterIndexTopics(names: TopicNames): string[] {
  return [...(Object.keys(TOPICS) as TopicKey[]).map((k) => names.deadLetter(k)), names.topic('auditLog')];
}

/**
 * Finds the active generation of the index, or creates the next one (its schema and tables, and a
 * row in the engine's `projection_generations`, so its offsets can live in `projection_offsets`);
 * re-runs the idempotent DDL and points the reader views of the main schema at it.
 */
async function ensureGeneration(
  pool: pg.Pool,
  schema: string,
): Promise<{ generation: number; location: string }> {
  const client = await pool.connect();
  const main = pg.escapeIdentifier(schema);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK_KEY]);
    const { rows } = await client.query<{ generation: number; status: string; location: string }>(
      `SELECT generation, status, location FROM ${main}.projection_generations WHERE projection = $1`,
      [PROJECTION],
    );
    let active = rows.find((r) => r.status === 'active');
    if (active === undefined) {
      const generation = Math.max(0, ...rows.map((r) => r.generation)) + 1;
      active = { generation, status: 'active', location: generationSchema(schema, PROJECTION, generation) };
      await client.query(
        `INSERT INTO ${main}.projection_generations (projection, generation, status, store, location, activated_at)
         VALUES ($1, $2, 'active', 'postgres', $3, now())`,
        [PROJECTION, generation, active.location],
      );
    }
    const location = pg.escapeIdentifier(active.location);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${location}`);
    await client.query(`SET LOCAL search_path TO ${location}, public`);
    await client.query(deadLettersProjection.ddl({ timescale: false }));
    for (const view of deadLettersProjection.readerViews) {
      const v = pg.escapeIdentifier(view);
      await client.query(`DROP VIEW IF EXISTS ${main}.${v}`);
      await client.query(`CREATE VIEW ${main}.${v} AS SELECT * FROM ${location}.${v}`);
    }
    await client.query('COMMIT');
    return { generation: active.generation, location: active.location };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Runs the dead-letter index: one consumer group (`<prefix>dead-letter-index`) over every `.dlq` topic
 * and the audit log. Per partition batch, the rows and the partition's next offset are written in one
 * Postgres transaction (`projection_offsets`), and messages below the stored offset are skipped, so
 * each letter is applied once however often Kafka redelivers. Kafka offsets are not committed: on
 * joining, the consumer seeks to the stored offsets, and a new generation (no offsets) starts from
 * the beginning of every topic.
 */
export async function startDeadLetterIndex(deps: DeadLetterIndexDeps): Promise<RunningDeadLetterIndex> {
  const { pool, schema, names, codec, logger } = deps;
  const { generation, location } = await ensureGeneration(pool, schema);
  const offsetsTable = `${pg.escapeIdentifier(schema)}.projection_offsets`;
  const auditTopic = names.topic('auditLog');
  const sessionTimeout = deps.sessionTimeoutMs ?? 30_000;
  const consumer: Consumer = deps.kafka.consumer({
    groupId: `${names.prefix}dead-letter-index`,
    allowAutoTopicCreation: false,
    ...groupTimeouts(sessionTimeout),
    maxWaitTimeInMs: 1_000,
  });

  const storedOffset = async (client: pg.ClientBase, topic: string, partition: number): Promise<bigint> => {
    const { rows } = await client.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${offsetsTable}
        WHERE projection = $1 AND generation = $2 AND topic = $3 AND partition = $4`,
      [PROJECTION, generation, topic, partition],
    );
    return BigInt(rows[0]?.next_offset ?? '0');
  };

  // Read once, before joining, so the seek below happens synchronously on assignment, before the
  // first fetch. Offsets another member stored later are caught by the skip below the stored offset.
  const resumeAt = new Map(
    (
      await pool.query<{ topic: string; partition: number; next_offset: string }>(
        `SELECT topic, partition, next_offset FROM ${offsetsTable} WHERE projection = $1 AND generation = $2`,
        [PROJECTION, generation],
      )
    ).rows.map((r) => [`${r.topic}/${r.partition}`, r.next_offset]),
  );
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      for (const partition of partitions) {
        const offset = resumeAt.get(`${topic}/${partition}`);
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
    }
  });

  // Audit records are taken as decoded: the index reads only the re-drives among them.
  const auditDecoding: EventDecoding<'auditLog', DecodedEvent<'AuditRecord'>, AuditRecord> = {
    decode: (key, bytes) => codec.decode(key, bytes),
    validate: (_key, decoded) => decoded.value,
  };

  async function toEvent(
    topic: string,
    partition: number,
    message: KafkaMessage,
  ): Promise<DeadLetterIndexEvent | undefined> {
    if (topic !== auditTopic)
      return { kind: 'letter', entry: toDeadLetterEntry({ topic, partition, message }) };
    const record = await decodeEvent(auditDecoding, 'auditLog', message);
    if (!(record instanceof Poison)) return { kind: 'audit', record };
    // The audit log's own consumers dead-letter it; for this index it names no letter.
    logger.warn(
      { topic, partition, offset: message.offset, err: record.error },
      'dead-letter index: undecodable audit record skipped',
    );
    return undefined;
  }

  async function handle(batch: PartitionBatch): Promise<DeadLetterIndexBatch> {
    const last = batch.messages.at(-1);
    const nextOffset = last === undefined ? '0' : (BigInt(last.offset) + 1n).toString();
    // Decoded before the transaction opens, so no registry round trip holds it.
    const events: { offset: bigint; event: DeadLetterIndexEvent | undefined }[] = [];
    for (const message of batch.messages) {
      events.push({
        offset: BigInt(message.offset),
        event: await toEvent(batch.topic, batch.partition, message),
      });
    }
    return inSinkTransaction(
      pool,
      { sink: 'postgres', context: { projection: PROJECTION } },
      async (client) => {
        const from = await storedOffset(client, batch.topic, batch.partition);
        const fresh = events.filter((e) => e.offset >= from);
        let changes = deadLettersProjection.initial();
        for (const { event } of fresh) {
          if (event !== undefined) changes = deadLettersProjection.evolve(changes, event);
        }
        await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(location)}, public`);
        await deadLettersProjection.apply(client, changes);
        if (fresh.length > 0) {
          await client.query(
            `INSERT INTO ${offsetsTable} (projection, generation, topic, partition, next_offset)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (projection, generation, topic, partition) DO UPDATE SET
               next_offset = GREATEST(${offsetsTable}.next_offset, excluded.next_offset), updated_at = now()`,
            [PROJECTION, generation, batch.topic, batch.partition, nextOffset],
          );
        }
        return {
          topic: batch.topic,
          partition: batch.partition,
          read: batch.messages.length,
          applied: fresh.length,
          nextOffset,
        };
      },
    );
  }

  await consumer.connect();
  const batches = kafkaBatches(consumer, {
    topics: deadLetterIndexTopics(names),
    fromBeginning: true,
    commitOffsets: false,
    onRestart: logRestarts(logger, { consumer: 'dead-letter-index' }),
  }).pipe(
    handleEachBatch(handle, {
      logger,
      logFields: (batch) => ({ topic: batch.topic, partition: batch.partition }),
      failureMessage: 'dead-letter index batch failed; will be redelivered',
    }),
  );
  let subscription: Subscription | undefined = batches.subscribe({
    next: (outcome) => (deps.onBatch ?? ((o) => logger.debug(o, 'dead letters indexed')))(outcome),
    error: (error: unknown) => logger.error({ err: error }, 'dead-letter index stopped'),
  });
  return {
    location,
    generation,
    async stop() {
      subscription?.unsubscribe();
      subscription = undefined;
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
