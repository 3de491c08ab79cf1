export type { AuditLogChanges, AuditRow } from './audit-log-projection.ts';
export { auditLogProjection, auditRow, evolveAuditLog } from './audit-log-projection.ts';
export type { AuditQuery, AuditRecordView } from './query-audit-records.ts';
export { DEFAULT_AUDIT_LIMIT, MAX_AUDIT_RECORDS, queryAuditRecords } from './query-audit-records.ts';
