export { CO_PARTITIONED_ASSIGNER, coPartitionedAssigner } from './co-partitioned-assigner.ts';
export type { DeadLetter, DeadLetterPublisher } from './dead-letters.ts';
export {
  createDeadLetterPublisher,
  DEAD_LETTER_HEADERS,
  deadLetterOf,
  REDRIVE_HEADERS,
  toDeadLetterMessage,
} from './dead-letters.ts';
export type { KafkaBatchesOptions, PartitionBatch } from './kafka-batches.ts';
export { kafkaBatches } from './kafka-batches.ts';
export type { StreamHead, TablePosition } from './merge-order.ts';
export { compareTablePositions, nextStreamInput, tableIsDue } from './merge-order.ts';
export type {
  InputEvent,
  InputValidators,
  MultiInputProcessorDefinition,
  ProcessorDefinition,
  ProcessorDeps,
  RunningProcessor,
} from './run-processor.ts';
export { runProcessor } from './run-processor.ts';
export { chunkMessages, MAX_SEND_BYTES, messageBytes, sendInChunks } from './send-in-chunks.ts';
