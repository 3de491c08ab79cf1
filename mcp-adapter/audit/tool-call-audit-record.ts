import { randomUUID } from 'node:crypto';
import type { AuditOutcome, AuditRecord } from '../../schemas/index.ts';
import type { AnswerMeta } from '../answer-json.ts';
import type { FinishedToolCall, ToolCallOutcome } from '../tool-call-policy.ts';
import { redactedArgumentsJson } from './redact-arguments.ts';

/** The audit action of an MCP tool call; `eaio audit list` and the admin tool read these. */
export const TOOL_CALL_ACTION = 'mcp.tool.call';

/** `source` of the audit records the MCP adapter writes. */
export const MCP_AUDIT_SOURCE = 'mcp-adapter';

/** How a call's outcome reads in the audit log: a limit is a denial (not attempted), an error a failure. */
export const AUDIT_OUTCOME_OF: Readonly<Record<ToolCallOutcome, AuditOutcome>> = {
  ok: 'success',
  denied: 'denied',
  rate_limited: 'denied',
  error: 'failure',
  failed: 'failure',
};

/**
 * One line per read model an answer reflects: `name@g<generation>` and its offsets as
 * `topic/partition:nextOffset`, e.g. `rollups@g1 eaio.reading-aggregates/0:120`. Empty when none.
 */
export function provenanceSummary(provenance: AnswerMeta['provenance'] | undefined): string {
  return (provenance ?? [])
    .map((p) =>
      [
        `${p.readModel}@g${p.generation ?? 'none'}`,
        ...p.offsets.map((o) => `${o.topic}/${o.partition}:${o.nextOffset}`),
      ].join(' '),
    )
    .join('; ');
}

/** What an audit record of a call carries besides the call. */
export interface ToolCallAuditContext {
  /** A fresh UUID by default; tests pass one. */
  readonly eventId?: string;
}

/**
 * The `AuditRecord` of one finished tool call: the principal's subject as actor, `mcp.tool.call` on
 * the tool's name, the outcome, and in `details` the tenant, role, redacted arguments (JSON),
 * duration, error code, a provenance summary and the control command it concerns (`commandId`).
 * Only the redacted arguments are ever stored.
 */
export function toolCallAuditRecord(call: FinishedToolCall, context: ToolCallAuditContext = {}): AuditRecord {
  const details: Record<string, string> = {
    tenant: call.principal.tenant,
    role: call.principal.role,
    arguments: redactedArgumentsJson(call.args),
    durationMs: String(Math.round(call.durationMs * 1000) / 1000),
    callOutcome: call.outcome,
    readOnly: String(call.readOnly),
  };
  if (call.errorCode !== undefined) details.errorCode = call.errorCode;
  if (call.commandId !== undefined) details.commandId = call.commandId;
  const provenance = provenanceSummary(call.provenance);
  if (provenance !== '') details.provenance = provenance;
  const trace = call.traceContext ?? null;
  return {
    eventId: context.eventId ?? randomUUID(),
    occurredAt: new Date(call.startedAt),
    source: MCP_AUDIT_SOURCE,
    actor: call.principal.subject,
    action: TOOL_CALL_ACTION,
    target: call.tool,
    outcome: AUDIT_OUTCOME_OF[call.outcome],
    details,
    traceContext:
      trace === null ? null : { traceparent: trace.traceparent, tracestate: trace.tracestate ?? null },
  };
}
