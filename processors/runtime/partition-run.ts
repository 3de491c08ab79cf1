import type { KafkaMessage } from 'kafkajs';
import { Subject, type Subscription } from 'rxjs';
import type { TopicKey } from '../../schemas/index.ts';
import type { Poison } from '../../stream-runtime/index.ts';
import type { RuntimeDefinition, RuntimeInput } from './runtime-definition.ts';
import type { TableEvent } from './table-reader.ts';

/** A stream event received and decoded, waiting for the merge to feed it (or to dead-letter it). */
export interface Buffered {
  readonly message: KafkaMessage;
  readonly offset: bigint;
  /** The operator's input; absent for a poison event. */
  readonly input?: RuntimeInput;
  /** Event time in ms (NaN for a poison event). */
  readonly occurredAt: number;
  readonly poison?: Poison;
  /** A re-driven copy for other consumers (this one handled the original): passed over, not fed. */
  readonly passOver?: true;
}

/** Where one input topic-partition of a partition number stands. */
export interface Cursor {
  readonly key: TopicKey;
  readonly topic: string;
  readonly buffer: Buffered[];
  /** Next offset not yet fed to the operator: what the transaction commits. */
  position: bigint;
  /** Position last committed. */
  committed: bigint;
  /** Next offset not yet received from the log. */
  seen: bigint;
  /** The log end as last known. */
  end: bigint;
}

/** One subscription of the definition's operator, collecting what it emits. */
export interface OperatorRun {
  readonly input: Subject<RuntimeInput>;
  readonly emitted: unknown[];
  readonly subscription: Subscription;
  failure: unknown;
}

/** One partition number: its operator, its inputs' cursors and the table events not yet fed. */
export interface PartitionRun {
  readonly partition: number;
  operator: OperatorRun;
  readonly cursors: readonly Cursor[];
  /** Index of the next table-reader event to take into `pendingTable`. */
  tableNext: number;
  /** Table events taken but not yet due, in merge order. */
  readonly pendingTable: TableEvent[];
}

/** Why the operator failed, and on what. */
export type OperatorFailure =
  | { readonly on: 'stream'; readonly cursor: Cursor; readonly entry: Buffered; readonly error: unknown }
  | { readonly on: 'table'; readonly event: TableEvent; readonly error: unknown };

/** The later of two offsets. */
export const maxBig = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/**
 * A fresh subscription of the definition's operator. It emits synchronously, so what it emitted for
 * an input is in `emitted` as soon as the input was fed; an error is kept in `failure`.
 */
export function createOperator(definition: RuntimeDefinition): OperatorRun {
  const input = new Subject<RuntimeInput>();
  const emitted: unknown[] = [];
  const operator: OperatorRun = {
    input,
    emitted,
    failure: undefined,
    subscription: input.pipe(definition.operator()).subscribe({
      next: (event) => emitted.push(event),
      error: (error: unknown) => {
        operator.failure = error;
      },
    }),
  };
  return operator;
}
