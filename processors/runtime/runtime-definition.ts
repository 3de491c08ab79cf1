import type { Admin, Kafka } from 'kafkajs';
import { map, type OperatorFunction } from 'rxjs';
import type { Logger } from '../../infra/logging/index.ts';
import type { EventCodec, TopicKey, TopicNames, TopicValue } from '../../schemas/index.ts';
import type { MultiInputProcessorDefinition, ProcessorDefinition } from './processor-definition.ts';
import type { TableReader } from './table-reader.ts';

/** An event as the operator is fed it: the Avro record type and the decoded, validated value. */
export interface RuntimeInput {
  readonly type: string;
  readonly value: unknown;
}

/** What the runtime needs of a definition, with the per-topic types erased. */
export interface RuntimeDefinition {
  readonly name: string;
  readonly inputs: readonly TopicKey[];
  readonly tables: readonly TopicKey[];
  readonly output: TopicKey;
  readonly operator: () => OperatorFunction<RuntimeInput, unknown>;
  readonly outputKey: (event: unknown) => string;
  readonly validate: (key: TopicKey, event: unknown) => unknown;
  /** Whether events must carry a valid event time (they are merged by it). */
  readonly merged: boolean;
}

/** What every part of one running processor shares: its definition, its names and its clients. */
export interface ProcessorScope {
  readonly definition: RuntimeDefinition;
  readonly kafka: Kafka;
  /** Connected for the processor's lifetime. */
  readonly admin: Admin;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  readonly groupId: string;
  /** Topic names of `definition.inputs`, in the same order. */
  readonly inputTopics: readonly string[];
  /** Stage recorded on dead letters of events the operator itself failed on. */
  readonly processStage: string;
  /** The global tables' reader, when the definition has tables. */
  readonly tables: TableReader | undefined;
}

/** The stage of dead letters a processor's operator caused, `process:<name>`. */
export const processStage = (name: string): string => `process:${name}`;

function fromSingleInput<I extends TopicKey, O extends TopicKey>(
  definition: ProcessorDefinition<I, O>,
): RuntimeDefinition {
  return {
    name: definition.name,
    inputs: [definition.input],
    tables: [],
    output: definition.output,
    operator: () => (source) =>
      source.pipe(
        map((event) => event.value as TopicValue<I>),
        definition.operator(),
      ),
    outputKey: (event) => definition.outputKey(event as TopicValue<O>),
    validate: (_key, event) => (definition.validate ? definition.validate(event as TopicValue<I>) : event),
    merged: false,
  };
}

function fromMultiInput<S extends TopicKey, T extends TopicKey, O extends TopicKey>(
  definition: MultiInputProcessorDefinition<S, T, O>,
): RuntimeDefinition {
  const validators = (definition.validate ?? {}) as Partial<Record<TopicKey, (event: unknown) => unknown>>;
  return {
    name: definition.name,
    inputs: definition.inputs,
    tables: definition.tables ?? [],
    output: definition.output,
    // The runtime builds each input from the codec's decoding of its own topic, so the shapes match.
    operator: definition.operator as unknown as () => OperatorFunction<RuntimeInput, unknown>,
    outputKey: (event) => definition.outputKey(event as TopicValue<O>),
    validate: (key, event) => validators[key]?.(event) ?? event,
    merged: true,
  };
}

/** A single- or multi-input definition in the one shape the runtime runs. */
export function toRuntimeDefinition(
  definition:
    | ProcessorDefinition<TopicKey, TopicKey>
    | MultiInputProcessorDefinition<TopicKey, TopicKey, TopicKey>,
): RuntimeDefinition {
  return 'inputs' in definition ? fromMultiInput(definition) : fromSingleInput(definition);
}
