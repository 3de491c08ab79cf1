import { createDeadLetterPublisher } from '../../processors/index.ts';
import { type BatchOutcome, createProjector } from '../../projections/index.ts';
import type { Platform } from './connect-platform.ts';

/** How far the projector has read a partition: `next` is the next offset it will read. */
export interface ConsumedPosition {
  readonly topic: string;
  readonly partition: number;
  readonly next: bigint;
}

export interface RunningProjector {
  /** Stops consuming; nothing past the last acknowledged batch is committed. */
  stop(): Promise<void>;
}

/**
 * Runs the projector over the platform's topics in the consumer group `<prefix>projector`, so
 * several processes share the partitions and a restarted one resumes from the committed offsets.
 */
export async function runProjector(
  platform: Platform,
  onOutcome: (outcome: BatchOutcome) => void = (outcome) => platform.logger.debug(outcome, 'batch projected'),
  onPosition?: (position: ConsumedPosition) => void,
): Promise<RunningProjector> {
  const { sessionTimeoutMs } = platform.config.kafka;
  const consumer = platform.kafka.consumer({
    groupId: `${platform.names.prefix}projector`,
    allowAutoTopicCreation: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.floor(sessionTimeoutMs / 10),
    // Bounds both the idle long-poll and how long stop() waits for it.
    maxWaitTimeInMs: 1_000,
  });
  if (onPosition) {
    // Batch events, not outcomes: they also report batches of transaction markers alone, which
    // carry no event but still move the position towards the high-water mark.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
      onPosition({
        topic: payload.topic,
        partition: payload.partition,
        next: BigInt(payload.lastOffset) + 1n,
      }),
    );
  }
  await consumer.connect();
  const subscription = createProjector({
    consumer,
    codec: platform.codec,
    deadLetters: createDeadLetterPublisher(await platform.producer()),
    names: platform.names,
    pool: platform.pool,
    redis: platform.redis,
    logger: platform.logger,
  }).subscribe({
    next: onOutcome,
    error: (error: unknown) => platform.logger.error({ err: error }, 'projector stopped'),
  });
  return {
    async stop() {
      subscription.unsubscribe();
      // Awaiting stop() lets the in-flight batch settle and the member leave the group at once,
      // instead of lingering until its session times out.
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}
