import { ToolRefusal } from './define-tool.ts';

/**
 * The adapter's one way to Kafka, for its admin tools: the log's end offsets, the consumer groups'
 * lag, a dead letter's original record, and the re-drive. The composition implements it with the
 * platform's Kafka admin and producer; the adapter never holds a Kafka client itself.
 */
export interface PipelineAdmin {
  /** Every catalogue topic and its dead-letter topic: partitions with their start and end offsets. */
  topics(): Promise<PipelineTopic[]>;
  /** The platform's consumer groups (projector, processors): members and committed lag per topic. */
  consumerGroups(): Promise<ConsumerGroupStatus[]>;
  /** The letter at `letterId` (`dlqTopic/partition/offset`) as it sits in its dead-letter topic. */
  deadLetterRecord(letterId: string): Promise<DeadLetterRecord | undefined>;
  /**
   * Sends the letters back to their source topics, one event per source position, each at most once
   * (letters an earlier re-drive sent are skipped), audited with `actor`; a dry run only says what
   * would be sent. Unknown letters are refused (INVALID_ARGUMENT) before anything is sent.
   */
  redrive(request: RedriveCommand): Promise<RedriveOutcome>;
}

/** One topic's partitions as the broker reports them. */
export interface PipelineTopic {
  /** Catalogue key, e.g. `sensorReadings`. */
  readonly key: string;
  /** The full topic name, with the deployment's prefix. */
  readonly topic: string;
  readonly deadLetter: boolean;
  readonly partitions: readonly PartitionOffsets[];
}

export interface PartitionOffsets {
  readonly partition: number;
  /** The earliest offset still in the log. */
  readonly low: string;
  /** The high-water mark: the offset the next message will get. */
  readonly high: string;
}

/** One consumer group of the platform and how far behind it is. */
export interface ConsumerGroupStatus {
  readonly groupId: string;
  /** What runs in it: `projector`, `processor:<name>`. */
  readonly consumer: string;
  /** The broker's group state, e.g. `Stable`, `Empty`, `Dead`. */
  readonly state: string;
  readonly members: number;
  readonly topics: readonly {
    readonly topic: string;
    /** Sum over its partitions of end offset minus committed offset (or minus the start when never committed). */
    readonly lag: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly committed: string | null;
      readonly high: string;
      readonly lag: string;
    }[];
  }[];
}

/** A letter as its dead-letter topic holds it. */
export interface DeadLetterRecord {
  readonly letterId: string;
  /** Every header of the letter (reason headers and the original event's own), as text. */
  readonly headers: Readonly<Record<string, string>>;
  readonly key: string | null;
  readonly valueBytes: number;
  /** The original value, base64. */
  readonly valueBase64: string | null;
  /** The original event decoded with its registered schema, when it decodes (dates as ISO text). */
  readonly decoded?: unknown;
  /** Why it does not decode, when it does not. */
  readonly decodeError?: string;
}

export interface RedriveCommand {
  readonly letterIds: readonly string[];
  /** Recorded as the audit record's actor: the caller's principal subject. */
  readonly actor: string;
  readonly dryRun: boolean;
}

export interface RedriveOutcome {
  /** Letters sent back now (or that would be, in a dry run). */
  readonly redriven: readonly string[];
  /** Letters an earlier re-drive already sent back: nothing sent for them. */
  readonly skipped: readonly string[];
  /** Events put back on their source topics: one per source position. */
  readonly sent: number;
}

/** The pipeline port of a server built without one: admin tools that need Kafka say so. */
export function pipelineOf(reads: { readonly pipeline?: PipelineAdmin | undefined }): PipelineAdmin {
  if (reads.pipeline === undefined) {
    throw new ToolRefusal(
      'This MCP server was started without access to the pipeline (Kafka admin), so it cannot answer this; use `eaio dlq` / `eaio projections list` on the host, or ask for the server to be started by `npm start` / `eaio mcp`.',
    );
  }
  return reads.pipeline;
}

/** `high - from` as a non-negative count, on offsets given as decimal text. */
export function offsetGap(high: string, from: string): bigint {
  const gap = BigInt(high) - BigInt(from);
  return gap > 0n ? gap : 0n;
}

/** The part of the tools' reads that holds the pipeline port. */
export interface PipelineReads {
  readonly pipeline?: PipelineAdmin | undefined;
}
