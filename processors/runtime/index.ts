export { CO_PARTITIONED_ASSIGNER, coPartitionedAssigner } from './co-partitioned-assigner.ts';
export type { StreamHead, TablePosition } from './merge-order.ts';
export { compareTablePositions, nextStreamInput, tableIsDue } from './merge-order.ts';
export type {
  InputEvent,
  InputValidators,
  MultiInputProcessorDefinition,
  ProcessorDefinition,
  ProcessorDeps,
  ProcessorFailpoints,
  RunningProcessor,
} from './processor-definition.ts';
export { runProcessor } from './run-processor.ts';
