import type { Message, Producer } from 'kafkajs';
import { EaioError } from '../../infra/errors/index.ts';
import { type BatchLossReason, createBatchedSender } from '../../infra/kafka/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import type { AuditRecord } from '../../schemas/index.ts';
import type { FinishedToolCall, ToolAuditTrail } from '../tool-call-policy.ts';
import { toolCallAuditRecord } from './tool-call-audit-record.ts';

/** Why audit records of read-only calls were lost, as the unrecorded counter labels them. */
export type AuditLossReason = BatchLossReason;

/** Options of {@link createKafkaAuditTrail}. */
export interface KafkaAuditTrailOptions {
  /** The platform's idempotent producer (acks from all in-sync replicas), resolved on first record. */
  readonly producer: () => Promise<Producer>;
  /** The audit-log topic (with the platform's prefix). */
  readonly topic: string;
  /** An `AuditRecord` as its message value on `topic` (the platform codec's Avro encoding). */
  readonly encode: (record: AuditRecord) => Promise<Buffer>;
  readonly logger: Logger;
  /** Called with the number of records each send put on the topic. */
  readonly onRecorded?: (count: number) => void;
  /** Called with records lost (read-only calls) or not acknowledged (others), and why. */
  readonly onUnrecorded?: (reason: AuditLossReason, count: number) => void;
  /** Records of read-only calls held while a send is in flight or Kafka is away; default 10,000. */
  readonly maxBuffered?: number;
  /** Records per batched send; default 500. */
  readonly maxBatch?: number;
  /** How long a read-only call's record may wait for companions; default 50 ms. */
  readonly lingerMs?: number;
  /**
   * How long a call that is not read-only waits for its record's acknowledgement before it is
   * answered with an error; default 10 s. The idempotent producer retries without end, so without
   * this bound a broker outage would hang such calls instead of refusing them.
   */
  readonly ackTimeoutMs?: number;
}

/** A trail whose batched records can be flushed, e.g. at shutdown. */
export interface RunningToolAuditTrail extends ToolAuditTrail {
  /** Sends the records of read-only calls still buffered and waits for them. */
  flush(): Promise<void>;
  /** Flushes, then refuses further records of read-only calls (they are counted as lost). */
  close(): Promise<void>;
}

// Every in-sync replica acknowledges, as the idempotent producer needs; said here, not left to a default.
const ACKS_ALL = -1;

/** `work`, or a rejection with `message` once `ms` have passed (the work itself goes on). */
async function withinMs<T>(ms: number, work: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The audit trail on Kafka: one `AuditRecord` per tool call on the audit-log topic, keyed by the
 * caller so each principal's calls keep their order.
 *
 * - A call of a tool that is not read-only (admin, control) is sent on its own and the returned
 *   promise settles when the broker has acknowledged it (acks from all in-sync replicas, idempotent
 *   producer); the registration awaits it before it answers, and a failure (or no acknowledgement
 *   within `ackTimeoutMs`) rejects with `SINK_UNAVAILABLE`, so such a call is never answered unaudited.
 *   A record acknowledged after the timeout is still written: the log may hold a call whose answer
 *   was an error, never the reverse.
 * - A read-only call's record is buffered and sent in batches off the call's path; `record` resolves
 *   at once. A lost record (buffer full, encoding or send failed) is logged and counted through
 *   `onUnrecorded`, never dropped silently.
 */
export function createKafkaAuditTrail(options: KafkaAuditTrailOptions): RunningToolAuditTrail {
  const { topic, encode, logger } = options;
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;

  const message = async (record: AuditRecord): Promise<Message> => ({
    key: record.actor,
    value: await encode(record),
  });

  const batched = createBatchedSender<AuditRecord>({
    producer: options.producer,
    topic,
    message,
    logger,
    overflow: {
      level: 'error',
      full: 'audit buffer full; audit records lost',
      dropped: 'audit records lost while the buffer was full',
    },
    maxBuffered: options.maxBuffered ?? 10_000,
    maxBatch: options.maxBatch ?? 500,
    lingerMs: options.lingerMs ?? 50,
    ...(options.onRecorded === undefined ? {} : { onSent: options.onRecorded }),
    onLost: (reason, records, error) => {
      options.onUnrecorded?.(reason, records.length);
      if (reason === 'buffer-full') return;
      logger.error(
        { topic, reason, count: records.length, err: error, eventIds: records.map((r) => r.eventId) },
        'audit records of read-only tool calls lost',
      );
    },
  });

  /** Sends one record and waits for the broker's acknowledgement; rejects when it is not given. */
  const sendAcknowledged = async (record: AuditRecord): Promise<void> => {
    let reason: AuditLossReason = 'encode-failed';
    try {
      const value = await message(record);
      reason = 'send-failed';
      await withinMs(
        ackTimeoutMs,
        (async () => (await options.producer()).send({ topic, acks: ACKS_ALL, messages: [value] }))(),
        `no acknowledgement from the broker within ${ackTimeoutMs} ms`,
      );
    } catch (error) {
      options.onUnrecorded?.(reason, 1);
      logger.error(
        { topic, reason, err: error, eventId: record.eventId, tool: record.target },
        'audit record not acknowledged; the call is answered with an error',
      );
      throw new EaioError(
        'SINK_UNAVAILABLE',
        'transient',
        `The call to ${record.target} could not be audited (${error instanceof Error ? error.message : String(error)}); its answer is withheld. Retry when the audit log is writable.`,
        { cause: error, context: { topic, eventId: record.eventId, reason } },
      );
    }
    options.onRecorded?.(1);
  };

  return {
    async record(call: FinishedToolCall) {
      const record = toolCallAuditRecord(call);
      if (!call.readOnly) return sendAcknowledged(record);
      batched.add(record);
    },
    flush: () => batched.flush(),
    close: () => batched.close(),
  };
}
