export { listAuditRecords, listAuditRecordsInput, listAuditRecordsOutput } from './list-audit-records.ts';
