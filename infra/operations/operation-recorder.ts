import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { createBatchedSender } from '../kafka/index.ts';
import type { Logger } from '../logging/index.ts';

/** One unit of the platform's own work, as the component that did it reports it. */
export interface OperationRecord {
  /** Who did the work, e.g. `mcp`, `processor:reading-aggregates`; the message key. */
  readonly component: string;
  /** What was done, as kind:name, e.g. `mcp.tool:get_latest_readings`. */
  readonly operation: string;
  readonly durationMs: number;
  /** Error code when the work failed or answered with an error; undefined when it went well. */
  readonly errorCode?: string;
  /** On whose behalf, when known (an MCP client). */
  readonly actor?: string;
  /** Figures of the operation (counts, topic, partition); never secrets or tool arguments. */
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * A record as the recorder queues it: what the component reported, its details copied, and the id,
 * time and source the recorder stamped on it when it was recorded.
 */
export interface StampedOperation extends OperationRecord {
  readonly eventId: string;
  readonly occurredAt: Date;
  readonly source: string;
  readonly details: Readonly<Record<string, string>>;
}

/** What components hold: record and forget. */
export interface OperationRecorder {
  /** Queues one record; never throws, never waits. */
  record(operation: OperationRecord): void;
}

/** Why records were lost, for the counter {@link OperationRecorderOptions.onUnrecorded} feeds. */
export type UnrecordedReason = 'buffer-full' | 'send-failed' | 'encode-failed';

/** Options of {@link createOperationRecorder}. */
export interface OperationRecorderOptions {
  /** The platform's idempotent producer, resolved on first flush. */
  readonly producer: () => Promise<Producer>;
  /** Where the records go (the telemetry topic); named in the recorder's logs. */
  readonly topic: string;
  /**
   * A record's message value on `topic`. The recorder knows no event schema: the composition root
   * hands it the codec's encoding. A rejection loses the record's batch as `encode-failed`.
   */
  readonly encode: (operation: StampedOperation) => Promise<Buffer>;
  readonly logger: Logger;
  /** `source` of every event, e.g. `eaio.cli`. */
  readonly source: string;
  /** Records held while a send is in flight or Kafka is away; beyond it new records are dropped. Default 10,000. */
  readonly maxBuffered?: number;
  /** Records per send. Default 500. */
  readonly maxBatch?: number;
  /** How long a record may wait for companions before a send. Default 250 ms. */
  readonly lingerMs?: number;
  /** Called with each batch that reached the topic. */
  readonly onRecorded?: (count: number) => void;
  /** Called with each batch of records lost (logged too). */
  readonly onUnrecorded?: (reason: UnrecordedReason, count: number) => void;
  /** Clock for `occurredAt`; Date.now by default. */
  readonly now?: () => number;
}

/** A recorder with its flushing under the owner's control. */
export interface RunningOperationRecorder extends OperationRecorder {
  /** Sends what is buffered now and waits for it (and for a send already in flight). */
  flush(): Promise<void>;
  /** Flushes, then stops taking records. */
  close(): Promise<void>;
}

/**
 * Records the platform's own work as messages keyed by component on `topic`. Records
 * are buffered and sent in batches by one send at a time, off the caller's path: `record` returns
 * at once, a slow or absent broker fills the bounded buffer and then drops records (counted, logged
 * once per burst), and a failed send is logged and counted, never thrown at the work it describes.
 */
export function createOperationRecorder(options: OperationRecorderOptions): RunningOperationRecorder {
  const { topic, encode, logger, source } = options;
  const now = options.now ?? Date.now;
  const sender = createBatchedSender<StampedOperation>({
    producer: options.producer,
    topic,
    message: async (event) => ({ key: event.component, value: await encode(event) }),
    logger,
    overflow: {
      level: 'warn',
      full: 'telemetry buffer full; dropping records',
      dropped: 'telemetry records dropped while the buffer was full',
    },
    maxBuffered: options.maxBuffered ?? 10_000,
    maxBatch: options.maxBatch ?? 500,
    lingerMs: options.lingerMs ?? 250,
    ...(options.onRecorded === undefined ? {} : { onSent: options.onRecorded }),
    onLost: (reason, events, error) => {
      // After close, records are refused quietly: the process is going away.
      if (reason === 'closed') return;
      options.onUnrecorded?.(reason, events.length);
      if (reason !== 'buffer-full')
        logger.warn({ topic, reason, count: events.length, err: error }, 'operation records lost');
    },
  });

  return {
    record(operation) {
      // Copied now: the caller may reuse its objects before the batch is sent.
      sender.add({
        eventId: randomUUID(),
        occurredAt: new Date(now()),
        source,
        component: operation.component,
        operation: operation.operation,
        durationMs: operation.durationMs,
        ...(operation.errorCode === undefined ? {} : { errorCode: operation.errorCode }),
        ...(operation.actor === undefined ? {} : { actor: operation.actor }),
        details: { ...operation.details },
      });
    },
    flush: () => sender.flush(),
    close: () => sender.close(),
  };
}

/** A recorder that records nothing, for components run without telemetry. */
export const NO_OPERATION_RECORDER: OperationRecorder = { record: () => undefined };
