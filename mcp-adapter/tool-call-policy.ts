import type { TraceContextField } from '../infra/telemetry/index.ts';
import type { Principal } from './access/index.ts';
import type { AnswerMeta } from './answer-json.ts';
import type { ToolName } from './tool-names.ts';

/** One tool call as the policies see it, before it runs. */
export interface ToolCall {
  readonly tool: ToolName;
  readonly principal: Principal;
  /** The validated arguments. */
  readonly args: Readonly<Record<string, unknown>>;
  /** True for tools that only read: their limits may degrade to per-process, their audit need not be awaited. */
  readonly readOnly: boolean;
}

/** How a call ended, as the audit records it. */
export type ToolCallOutcome = 'ok' | 'error' | 'denied' | 'rate_limited' | 'failed';

/** A finished call: what the audit trail records. */
export interface FinishedToolCall extends ToolCall {
  readonly outcome: ToolCallOutcome;
  /** The typed error's code when the outcome is not `ok`. */
  readonly errorCode?: string;
  readonly durationMs: number;
  /** Wall clock when the call started, epoch milliseconds. */
  readonly startedAt: number;
  /** The answer's provenance, when it has one: which read models and offsets it reflects. */
  readonly provenance?: AnswerMeta['provenance'];
  /**
   * The control command the call proposed or acted on (its answer's or its arguments' `commandId`), so
   * the audit trail joins a command's proposal, approvals and cancels by the id its events carry.
   */
  readonly commandId?: string;
  /** The W3C trace context of the call's span; null or absent when tracing is off. */
  readonly traceContext?: TraceContextField | null;
}

/**
 * Admits or refuses a call before it runs (rate limits and quotas). Refuses by throwing a typed
 * `EaioError` (`RATE_LIMITED`, with `retryInMs` in its context), which the registration answers as an
 * `isError` result naming when to retry.
 */
export interface ToolCallLimiter {
  admit(call: ToolCall): Promise<void>;
}

/**
 * Records every finished call. For tools that are not read-only the registration awaits the record
 * (the broker acknowledged it) before it answers; a failure to record then fails the call.
 */
export interface ToolAuditTrail {
  record(call: FinishedToolCall): Promise<void>;
}
