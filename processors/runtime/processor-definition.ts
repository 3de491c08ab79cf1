import type { Tracer } from '@opentelemetry/api';
import type { Kafka } from 'kafkajs';
import type { OperatorFunction } from 'rxjs';
import type { Logger } from '../../infra/logging/index.ts';
import type { StreamMetrics } from '../../infra/metrics/index.ts';
import type { OperationRecorder } from '../../infra/operations/index.ts';
import type { EventCodec, TOPICS, TopicKey, TopicNames, TopicValue } from '../../schemas/index.ts';

/**
 * A stream processor as data: a pure RxJS operator from one topic's events to another's. The
 * runtime does the rest: decode, validate, dead letters, encode, produce and commit, all in one
 * Kafka transaction per batch.
 */
export interface ProcessorDefinition<I extends TopicKey, O extends TopicKey> {
  /** Names the consumer group (`<prefix><name>`) and the transactional ids. */
  readonly name: string;
  readonly input: I;
  readonly output: O;
  /**
   * A fresh operator per input partition. State is partition-local (topics are keyed, so a
   * meter's events share a partition), which makes the output independent of how partitions
   * interleave: a replay yields the same derived events. The operator must emit synchronously.
   */
  readonly operator: () => OperatorFunction<TopicValue<I>, TopicValue<O>>;
  /** Message key of an output event, e.g. its meter id. */
  readonly outputKey: (event: TopicValue<O>) => string;
  /** Rejects an input event before the operator sees it (poison: dead-lettered). */
  readonly validate?: (event: TopicValue<I>) => TopicValue<I>;
}

/** An input event as a multi-input operator sees it: the record type and the decoded value. */
export type InputEvent<K extends TopicKey> = K extends TopicKey
  ? { readonly type: (typeof TOPICS)[K]['valueType']; readonly value: TopicValue<K> }
  : never;

/** Per-input validators of a multi-input processor; a throw makes the event poison (dead-lettered). */
export type InputValidators<K extends TopicKey> = {
  readonly [P in K]?: (event: TopicValue<P>) => TopicValue<P>;
};

/**
 * A processor over several inputs: co-partitioned stream inputs (same partition count, same key)
 * merged per partition number, plus global tables every instance reads in full. The merge order is
 * defined in `merge-order.ts`: event time across inputs, each input's log order kept, table events
 * just before the first stream event at or after their event time.
 */
export interface MultiInputProcessorDefinition<S extends TopicKey, T extends TopicKey, O extends TopicKey> {
  /** Names the consumer group (`<prefix><name>`) and the transactional ids. */
  readonly name: string;
  /** Co-partitioned stream inputs, in tie-break order (on equal event times the first wins). */
  readonly inputs: readonly [S, ...S[]];
  /** Compacted topics read entirely by every instance and fed to every partition number's operator. */
  readonly tables?: readonly T[];
  readonly output: O;
  /** A fresh operator per partition number; it must emit synchronously. */
  readonly operator: () => OperatorFunction<InputEvent<S | T>, TopicValue<O>>;
  /** Message key of an output event. */
  readonly outputKey: (event: TopicValue<O>) => string;
  readonly validate?: InputValidators<S | T>;
}

/** The consumer's fetch bounds (kafkajs consumer options of the same names). */
export interface ProcessorFetchSizes {
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
}

/**
 * Smaller than kafkajs's 1 MiB per partition and 10 MiB per fetch: a partition batch is one
 * transaction, and a backlog fetch of 10 MiB decoded at once is what filled the heap.
 */
export const DEFAULT_PROCESSOR_FETCH: ProcessorFetchSizes = {
  maxBytesPerPartition: 512 * 1024,
  maxBytes: 2 * 1024 * 1024,
};

/**
 * Test-only hooks around a processor's transaction, for fault tests (`eaio process
 * --exit-before-commit`, `--stall-before-commit`): the points where a crash or a stall is hardest on
 * exactly-once. None in production.
 */
export interface ProcessorFailpoints {
  /**
   * Called once a transaction holds the batch's outputs, dead letters and offsets, just before its
   * commit; awaited, so a hook may stall the handler (as a slow sink would) or kill the process.
   */
  readonly beforeCommit?: (batch: {
    readonly partition: number;
    readonly produced: number;
  }) => Promise<void> | void;
  /** Called once a transaction committed, before the runtime notes its new position. */
  readonly afterCommit?: (batch: { readonly partition: number; readonly produced: number }) => void;
}

/** What `runProcessor` runs a definition with: clients, names and optional telemetry. */
export interface ProcessorDeps {
  readonly kafka: Kafka;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  readonly sessionTimeoutMs?: number;
  /** How much the consumer fetches at once; see {@link DEFAULT_PROCESSOR_FETCH}. */
  readonly fetch?: ProcessorFetchSizes;
  /** Counts consumed, produced and dead-lettered events as component `processor:<name>`; none by default. */
  readonly metrics?: StreamMetrics;
  /** Records each batch as an operation `processor.batch:<name>` on the telemetry topic; none by default. */
  readonly operations?: OperationRecorder;
  /**
   * Makes one CONSUMER span per committed batch (see `commit-batch.ts`); the globally registered
   * tracer (a no-op while tracing is off) by default.
   */
  readonly tracer?: Tracer;
  /** Test-only hooks; see {@link ProcessorFailpoints}. */
  readonly failpoints?: ProcessorFailpoints;
}

/** A processor running until `stop` resolves. */
export interface RunningProcessor {
  readonly groupId: string;
  stop(): Promise<void>;
}
