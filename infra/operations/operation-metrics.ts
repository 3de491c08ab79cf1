import { Counter } from 'prom-client';
import type { EaioMetrics } from '../metrics/index.ts';
import type { UnrecordedReason } from './operation-recorder.ts';

/** Metric of operation records lost (buffer full, encode or send failure). */
export const OPERATIONS_UNRECORDED_METRIC = 'eaio_operations_unrecorded_total';

/** The recorder's callbacks, counting into a process's metrics. */
export interface OperationRecorderMetrics {
  readonly onRecorded: (count: number) => void;
  readonly onUnrecorded: (reason: UnrecordedReason, count: number) => void;
}

/**
 * Counts what the recorder sent as `eaio_events_produced_total{component="telemetry"}` and what it
 * lost as `eaio_operations_unrecorded_total{reason}`, registered on the process's registry.
 */
export function operationRecorderMetrics(metrics: EaioMetrics, topic: string): OperationRecorderMetrics {
  const existing = metrics.registry.getSingleMetric(OPERATIONS_UNRECORDED_METRIC);
  const unrecorded =
    (existing as Counter<'reason'> | undefined) ??
    new Counter({
      name: OPERATIONS_UNRECORDED_METRIC,
      help: 'Operation records (telemetry) lost, by reason: buffer-full, send-failed, encode-failed.',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  return {
    onRecorded: (count) => metrics.countProduced('telemetry', topic, count),
    onUnrecorded: (reason, count) => unrecorded.inc({ reason }, count),
  };
}
