export type { AuditTrailMetrics } from './audit-metrics.ts';
export { AUDIT_UNRECORDED_METRIC, auditTrailMetrics } from './audit-metrics.ts';
export type { AuditLossReason, KafkaAuditTrailOptions, RunningToolAuditTrail } from './kafka-audit-trail.ts';
export { createKafkaAuditTrail } from './kafka-audit-trail.ts';
export {
  MAX_ARGUMENTS_CHARS,
  REDACTED,
  redactArguments,
  redactedArgumentsJson,
  redactText,
} from './redact-arguments.ts';
export type { ToolCallAuditContext } from './tool-call-audit-record.ts';
export {
  AUDIT_OUTCOME_OF,
  MCP_AUDIT_SOURCE,
  provenanceSummary,
  TOOL_CALL_ACTION,
  toolCallAuditRecord,
} from './tool-call-audit-record.ts';
