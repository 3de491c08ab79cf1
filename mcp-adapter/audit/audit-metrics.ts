import { Counter } from 'prom-client';
import type { EaioMetrics } from '../../infra/metrics/index.ts';
import type { AuditLossReason } from './kafka-audit-trail.ts';

/** Metric of audit records lost or not acknowledged, by reason. */
export const AUDIT_UNRECORDED_METRIC = 'eaio_audit_unrecorded_total';

/** The trail's callbacks, counting into a process's metrics. */
export interface AuditTrailMetrics {
  readonly onRecorded: (count: number) => void;
  readonly onUnrecorded: (reason: AuditLossReason, count: number) => void;
}

/**
 * Counts what the trail wrote as `eaio_events_produced_total{component="audit"}` and what it lost as
 * `eaio_audit_unrecorded_total{reason}` (an alert on any increase is the point: an audit must not
 * have holes), registered on the process's registry.
 */
export function auditTrailMetrics(metrics: EaioMetrics, topic: string): AuditTrailMetrics {
  const existing = metrics.registry.getSingleMetric(AUDIT_UNRECORDED_METRIC);
  const unrecorded =
    (existing as Counter<'reason'> | undefined) ??
    new Counter({
      name: AUDIT_UNRECORDED_METRIC,
      help: 'Audit records of MCP tool calls lost or not acknowledged, by reason: buffer-full, encode-failed, send-failed, closed.',
      labelNames: ['reason'],
      registers: [metrics.registry],
    });
  return {
    onRecorded: (count) => metrics.countProduced('audit', topic, count),
    onUnrecorded: (reason, count) => unrecorded.inc({ reason }, count),
  };
}
