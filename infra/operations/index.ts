export type { OperationRecorderMetrics } from './operation-metrics.ts';
export { OPERATIONS_UNRECORDED_METRIC, operationRecorderMetrics } from './operation-metrics.ts';
export type {
  OperationRecord,
  OperationRecorder,
  OperationRecorderOptions,
  RunningOperationRecorder,
  StampedOperation,
  UnrecordedReason,
} from './operation-recorder.ts';
export { createOperationRecorder, NO_OPERATION_RECORDER } from './operation-recorder.ts';
