import {
  createOperationRecorder,
  type OperationRecorderOptions,
  type RunningOperationRecorder,
  type StampedOperation,
} from '../../infra/operations/index.ts';
import type { EventCodec, OperationRecorded, TopicNames } from '../../schemas/index.ts';

/** The recorder's options, with the platform's codec and topic names in place of a topic and encoder. */
export interface TelemetryRecorderOptions extends Omit<OperationRecorderOptions, 'topic' | 'encode'> {
  readonly codec: EventCodec;
  readonly names: TopicNames;
}

/** The `OperationRecorded` event a recorded operation becomes on the telemetry topic. */
export function operationRecordedEvent(operation: StampedOperation): OperationRecorded {
  return {
    eventId: operation.eventId,
    occurredAt: operation.occurredAt,
    source: operation.source,
    component: operation.component,
    actor: operation.actor ?? null,
    operation: operation.operation,
    durationMs: operation.durationMs,
    outcome: operation.errorCode === undefined ? 'ok' : 'error',
    errorCode: operation.errorCode ?? null,
    details: operation.details,
    traceContext: null,
  };
}

/**
 * Records the platform's own work as `OperationRecorded` events on the `telemetry` topic: infra's
 * operation recorder (batching, bounded buffer, loss counting) with the schema-aware half, the
 * topic and the Avro encoding, supplied here where both are known.
 */
export function createTelemetryRecorder({
  codec,
  names,
  ...options
}: TelemetryRecorderOptions): RunningOperationRecorder {
  return createOperationRecorder({
    ...options,
    topic: names.topic('telemetry'),
    encode: (operation) => codec.encode('telemetry', operationRecordedEvent(operation)),
  });
}
