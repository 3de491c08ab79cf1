import type { Consumer, KafkaMessage } from 'kafkajs';
import { Observable } from 'rxjs';
import { EaioError } from '../infra/errors/index.ts';
import type { Logger } from '../infra/logging/index.ts';

/**
 * One partition's batch, handed downstream. The consumer fetches nothing more for this partition
 * and commits nothing until `ack` or `nack` is called: that is the backpressure and the commit
 * protocol in one place.
 */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  /** The partition's log end when the batch was fetched (transaction markers included). */
  readonly highWatermark: string;
  /** Keeps the group membership alive during long work on this batch. */
  heartbeat(): Promise<void>;
  /** All effects of every message are durable: commit past the last one. */
  ack(): void;
  /** The batch could not be handled: nothing is committed and kafkajs redelivers it. */
  nack(error: unknown): void;
}

/** What {@link kafkaBatches} consumes and how it commits. */
export interface KafkaBatchesOptions {
  readonly topics: readonly string[];
  readonly fromBeginning?: boolean;
  /** Partitions handled at once; each is still handled in order. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Whether the consumer commits after an ack (the default). A transactional processor turns it
   * off: it commits its input offsets inside the transaction that writes its outputs.
   */
  readonly commitOffsets?: boolean;
  /**
   * Told each time the consumer crashed on an error kafkajs does not retry itself (a coordinator
   * not found or a member the coordinator forgot, after a network fault) and is about to be started
   * again after `delayMs`. Log it: the consumer stopped consuming meanwhile.
   */
  readonly onRestart?: (restart: ConsumerRestart) => void;
  /** First and longest wait before such a restart; doubled per crash in a row (1 s to 30 s by default). */
  readonly restartBackoffMs?: { readonly initial: number; readonly max: number };
}

/** A crash kafkajs gave up on, and when the consumer runs again. */
export interface ConsumerRestart {
  readonly error: unknown;
  /** Crashes in a row without a group join in between, this one included. */
  readonly attempt: number;
  readonly delayMs: number;
}

/** An `onRestart` that logs each restart with the crash's error and the fields naming the consumer. */
export function logRestarts(
  logger: Logger,
  fields: Readonly<Record<string, unknown>>,
): (restart: ConsumerRestart) => void {
  return ({ error, attempt, delayMs }) =>
    logger.warn(
      { ...fields, err: error, attempt, delayMs },
      `consumer crashed on an error kafkajs does not retry; running it again in ${delayMs} ms`,
    );
}

/**
 * Settles a batch still in hand when its consumer is stopped. Transient: nothing of the batch is
 * committed, and whichever member owns the partition next is handed it again.
 */
export class ConsumerStoppedError extends EaioError {
  override readonly name = 'ConsumerStoppedError';

  constructor(message = 'consumer stopped before the batch was handled') {
    super('CONSUMER_STOPPED', 'transient', message);
  }
}

/** Commits point at the next offset to read. */
function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/**
 * A kafkajs consumer as a cold Observable of partition batches (`eachBatch`). Subscribing
 * subscribes the consumer to the topics and runs it; unsubscribing stops it. Offsets are committed
 * only after the subscriber acks a batch, and never for a batch whose partition was revoked
 * meanwhile (its new owner redelivers it; effects are idempotent).
 */
export function kafkaBatches(consumer: Consumer, options: KafkaBatchesOptions): Observable<PartitionBatch> {
  return new Observable<PartitionBatch>((subscriber) => {
    const pending = new Set<(error: unknown) => void>();
    let stopping = false;
    let crashes = 0;
    let restartTimer: NodeJS.Timeout | undefined;
    const backoff = options.restartBackoffMs ?? { initial: 1_000, max: 30_000 };

    const runConsumer = () =>
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          if (batch.messages.length === 0 || stopping) return;
          let settle: (error: unknown) => void = () => undefined;
          const done = new Promise<void>((resolve, reject) => {
            settle = reject;
            pending.add(reject);
            subscriber.next({
              topic: batch.topic,
              partition: batch.partition,
              messages: batch.messages,
              highWatermark: batch.highWatermark,
              heartbeat,
              ack: resolve,
              nack: reject,
            });
          });
          try {
            await done;
          } catch (error) {
            // Stopping mid-batch is not a failure: nothing is committed and the next owner redelivers.
            if (stopping) return;
            throw error;
          } finally {
            pending.delete(settle);
          }
          const last = batch.messages.at(-1);
          if (last === undefined || !isRunning() || isStale()) return;
          // kafkajs fetches the next batch from the last resolved offset, not the committed one:
          // without this the same batch would be delivered again and again.
          resolveOffset(last.offset);
          if (options.commitOffsets === false) return;
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: nextOffset(last.offset) },
          ]);
        },
      });

    // kafkajs restarts a crashed consumer only when the error is retriable; on any other (its own
    // "group coordinator not found" or "coordinator is not aware of this member" after a network
    // fault, or a batch that failed) it disconnects and stays stopped while the process lives on.
    // Nothing would consume again without a manual restart, so the consumer is run again here,
    // from the committed offsets, after a back-off that grows while the crashes go on.
    const scheduleRestart = (error: unknown): void => {
      if (stopping) return;
      crashes += 1;
      const delayMs = Math.min(backoff.max, backoff.initial * 2 ** (crashes - 1));
      options.onRestart?.({ error, attempt: crashes, delayMs });
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (stopping) return;
        consumer.connect().then(runConsumer).catch(scheduleRestart);
      }, delayMs);
    };
    const removeCrashListener = consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) scheduleRestart(payload.error);
    });
    const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      crashes = 0;
    });

    const run = async (): Promise<void> => {
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
      await runConsumer();
    };
    run().catch((error: unknown) => subscriber.error(error));

    return () => {
      stopping = true;
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      removeCrashListener();
      removeJoinListener();
      stopKafkajsRestarts(consumer);
      for (const reject of pending) reject(new ConsumerStoppedError());
      pending.clear();
      void consumer.stop().catch(() => undefined);
    };
  });
}

/**
 * Keeps a stopped consumer stopped. kafkajs runs a consumer again after a retriable crash on a
 * timer of its own, and stopping can itself cause such a crash: a join cut short by the disconnect
 * loses the metadata its sync needs (`KafkaJSTopicMetadataNotLoaded`). kafkajs sets that timer
 * right after the crash event, and only `stop` clears it, so a stop follows each such crash until
 * the consumer is connected again for a new run. Without it the stopped consumer ran again and kept
 * its process alive: `eaio projections rebuild` of an empty multi-topic read model never exited.
 */
function stopKafkajsRestarts(consumer: Consumer): void {
  const removeCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) setImmediate(() => void consumer.stop().catch(() => undefined));
  });
  const removeConnect = consumer.on(consumer.events.CONNECT, () => {
    removeCrash();
    removeConnect();
  });
}
