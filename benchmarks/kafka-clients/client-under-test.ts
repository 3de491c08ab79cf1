/** One keyed, already encoded message: the same bytes are handed to every client under test. */
export interface KeyedBytes {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** Turns one input value into the output value (decode, change, encode), as a processor does. */
export type Transform = (value: Buffer) => Promise<Buffer>;

/**
 * What the benchmark asks of each Kafka client, written once per client so both run the same work:
 * an idempotent producer, a group consumer reading from the beginning, and the processors'
 * exactly-once path (read_committed consume, transform, produce and commit the consumed offsets in
 * one transaction).
 */
export interface ClientUnderTest {
  readonly name: string;
  /** Sends `messages` in calls of `batch` messages each, one call awaited before the next. */
  produce(topic: string, messages: readonly KeyedBytes[], batch: number): Promise<void>;
  /** Joins a fresh group, reads `topic` from the beginning and resolves once `count` messages arrived. */
  consume(topic: string, groupId: string, count: number): Promise<void>;
  /**
   * Reads `input` (read_committed) with group `groupId` and, per `batch` consumed messages, writes
   * their transforms to `output` and commits the consumed offsets in the same transaction; resolves
   * once `count` messages are committed.
   */
  transform(options: TransformOptions): Promise<void>;
  close(): Promise<void>;
}

export interface TransformOptions {
  readonly input: string;
  readonly output: string;
  readonly groupId: string;
  readonly transactionalId: string;
  readonly count: number;
  readonly batch: number;
  readonly transform: Transform;
}
