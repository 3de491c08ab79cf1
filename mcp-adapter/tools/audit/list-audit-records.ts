import { z } from 'zod';
import {
  type AuditRecordView,
  DEFAULT_AUDIT_LIMIT,
  MAX_AUDIT_RECORDS,
  type QueryLayer,
} from '../../../projections/index.ts';
import { AUDIT_OUTCOMES } from '../../../schemas/index.ts';
import { ALL_TENANTS, SCOPES } from '../../access/index.ts';
import { answerMeta, answerMetaOutput, answerMetaText } from '../../answer-json.ts';
import { defineTool, READ_ONLY_TOOL, type ToolContext } from '../../define-tool.ts';
import { instantInput } from '../../tool-inputs.ts';
import { TOOL_NAMES } from '../../tool-names.ts';

export const listAuditRecordsInput = z.object({
  principal: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "Only calls by this principal (the token's subject, the audit record's actor), e.g. 'agent:42'.",
    ),
  tool: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Only records about this target: a tool name such as 'get_latest_readings', or a dead letter."),
  action: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Only this action: 'mcp.tool.call' (tool calls) or 'dlq.redrive' (re-drives); all by default."),
  outcome: z
    .enum(AUDIT_OUTCOMES)
    .optional()
    .describe('Only this outcome: success, failure (attempted, failed) or denied (refused, not attempted).'),
  since: instantInput('Only records at or after this instant').optional(),
  until: instantInput('Only records before this instant').optional(),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_AUDIT_RECORDS)
    .default(DEFAULT_AUDIT_LIMIT)
    .describe(`At most this many records, newest first (default ${DEFAULT_AUDIT_LIMIT}).`),
});

export const listAuditRecordsOutput = z.object({
  records: z
    .array(
      z.object({
        eventId: z.string(),
        occurredAt: z.string().describe('When the call started, ISO 8601.'),
        actor: z.string().describe('Who acted: the principal subject.'),
        action: z.string(),
        target: z.string().describe('The tool called (or the letter re-driven).'),
        outcome: z.enum(AUDIT_OUTCOMES),
        tenant: z.string().nullable(),
        details: z
          .record(z.string(), z.string())
          .describe('role, arguments (JSON, secrets redacted), durationMs, errorCode, provenance, ...'),
        traceparent: z.string().nullable().describe('W3C traceparent of the call, when it was traced.'),
      }),
    )
    .describe('The matching audit records, newest first.'),
  ...answerMetaOutput,
});

const json = (r: AuditRecordView) => ({
  eventId: r.eventId,
  occurredAt: r.occurredAt.toISOString(),
  actor: r.actor,
  action: r.action,
  target: r.target,
  outcome: r.outcome,
  tenant: r.tenant,
  details: { ...r.details },
  traceparent: r.traceparent,
});

/** `list_audit_records`: who called what, when, and how it ended, from the audit-log read model. */
export const listAuditRecords = defineTool({
  name: TOOL_NAMES.listAuditRecords,
  title: 'Audit records',
  description:
    'Lists audit records, newest first: every MCP tool call (principal, tenant, role, tool, arguments with secrets redacted, outcome, duration, provenance) and every dead-letter re-drive. Filter by principal, tool, action, outcome and time. A tenant-bound admin sees only its tenant.',
  input: listAuditRecordsInput,
  output: listAuditRecordsOutput,
  annotations: READ_ONLY_TOOL,
  scope: SCOPES.admin,
  async handle(args, { queries, principal, now }: ToolContext<Pick<QueryLayer, 'auditRecords'>>) {
    const answer = await queries.auditRecords({
      limit: args.limit,
      ...(args.principal === undefined ? {} : { actor: args.principal }),
      ...(args.tool === undefined ? {} : { target: args.tool }),
      ...(args.action === undefined ? {} : { action: args.action }),
      ...(args.outcome === undefined ? {} : { outcome: args.outcome }),
      ...(args.since === undefined ? {} : { since: new Date(args.since) }),
      ...(args.until === undefined ? {} : { until: new Date(args.until) }),
      ...(principal.tenant === ALL_TENANTS ? {} : { tenant: principal.tenant }),
    });
    const meta = answerMeta(answer, now());
    const records = answer.data.map(json);
    const lines = records
      .slice(0, 20)
      .map(
        (r) =>
          `${r.occurredAt} ${r.actor} ${r.action} ${r.target} ${r.outcome}${r.details.errorCode ? ` (${r.details.errorCode})` : ''}`,
      );
    const text = [
      `${records.length} audit record(s)${records.length > lines.length ? `, the newest ${lines.length} shown` : ''}.`,
      ...lines,
      answerMetaText(meta),
    ].join('\n');
    return { structured: { records, ...meta }, text };
  },
});
