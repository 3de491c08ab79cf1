import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../logging/index.ts';

/** Why items handed to a {@link BatchedSender} did not reach the topic. */
export type BatchLossReason = 'buffer-full' | 'encode-failed' | 'send-failed' | 'closed';

/** Options of {@link createBatchedSender}. */
export interface BatchedSenderOptions<T> {
  /** The platform's idempotent producer, resolved on the first send. */
  readonly producer: () => Promise<Producer>;
  readonly topic: string;
  /** An item as its message; a rejection loses the item's batch as `encode-failed`. */
  readonly message: (item: T) => Promise<Message>;
  readonly logger: Logger;
  /** The lines logged when the buffer overflows: once per burst, not per item. */
  readonly overflow: {
    readonly level: 'warn' | 'error';
    /** Logged at the first item dropped in a burst. */
    readonly full: string;
    /** Logged with the burst's count once the buffer drains again. */
    readonly dropped: string;
  };
  /** Items held while a send is in flight or Kafka is away; beyond it new items are lost. */
  readonly maxBuffered: number;
  /** Items per send. */
  readonly maxBatch: number;
  /** How long an item may wait for companions before a send. */
  readonly lingerMs: number;
  /** Called with the size of each batch that reached the topic. */
  readonly onSent?: (count: number) => void;
  /**
   * Called with every loss (the owner counts it, and logs all but `buffer-full`, which is logged
   * here once per burst).
   */
  readonly onLost: (reason: BatchLossReason, items: readonly T[], error?: unknown) => void;
}

/** Items queued and sent in batches off the caller's path. */
export interface BatchedSender<T> {
  /** Queues one item; never throws, never waits. */
  add(item: T): void;
  /** Sends what is buffered now and waits for it (and for a send already in flight). */
  flush(): Promise<void>;
  /** Flushes, then stops taking items (further ones are lost as `closed`). */
  close(): Promise<void>;
}

// Every in-sync replica acknowledges, as the idempotent producer needs; said here, not left to a default.
const ACKS_ALL = -1;

/**
 * A bounded buffer sent to `topic` in batches by one send at a time: `add` returns at once, a slow or
 * absent broker fills the buffer and then loses items (reported, logged once per burst), and a failed
 * send is reported, never thrown at the caller. The telemetry recorder and the audit trail of
 * read-only tool calls both send through it.
 */
export function createBatchedSender<T>(options: BatchedSenderOptions<T>): BatchedSender<T> {
  const { topic, logger, overflow, maxBuffered, maxBatch, lingerMs, onLost } = options;
  const buffer: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;
  let droppedSinceLog = 0;

  const sendBatch = async (items: readonly T[]): Promise<void> => {
    let messages: Message[];
    try {
      messages = await Promise.all(items.map(options.message));
    } catch (error) {
      onLost('encode-failed', items, error);
      return;
    }
    try {
      await (await options.producer()).send({ topic, acks: ACKS_ALL, messages });
      options.onSent?.(items.length);
    } catch (error) {
      onLost('send-failed', items, error);
    }
  };

  const drain = async (): Promise<void> => {
    while (buffer.length > 0) await sendBatch(buffer.splice(0, maxBatch));
    if (droppedSinceLog > 0) {
      logger[overflow.level]({ topic, dropped: droppedSinceLog }, overflow.dropped);
      droppedSinceLog = 0;
    }
  };

  const startFlush = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (inFlight !== undefined) return inFlight;
    inFlight = drain().finally(() => {
      inFlight = undefined;
      // Items that arrived during the send get their own linger.
      if (buffer.length > 0 && !closed) schedule();
    });
    return inFlight;
  };

  const schedule = (): void => {
    if (timer !== undefined || inFlight !== undefined) return;
    timer = setTimeout(() => void startFlush(), lingerMs);
    // A buffer must not keep a process alive that has nothing else to do.
    timer.unref();
  };

  return {
    add(item) {
      if (closed) {
        onLost('closed', [item]);
        return;
      }
      if (buffer.length >= maxBuffered) {
        // One line per burst, not per item: a broker outage would otherwise flood the log.
        if (droppedSinceLog === 0) logger[overflow.level]({ topic, maxBuffered }, overflow.full);
        droppedSinceLog += 1;
        onLost('buffer-full', [item]);
        return;
      }
      buffer.push(item);
      if (buffer.length >= maxBatch) void startFlush();
      else schedule();
    },
    async flush() {
      // A send in flight may have left items behind for the next one.
      while (inFlight !== undefined || buffer.length > 0) await startFlush();
    },
    async close() {
      await this.flush();
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
