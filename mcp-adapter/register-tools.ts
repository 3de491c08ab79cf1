import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { EaioError } from '../infra/errors/index.ts';
import type { McpToolMetrics } from '../infra/metrics/index.ts';
import type { OperationRecorder } from '../infra/operations/index.ts';
import { type TraceContextField, traceContextField } from '../infra/telemetry/index.ts';
import type { ToolResultCache } from '../projections/index.ts';
import { holds } from './access/index.ts';
import type { AnswerMeta } from './answer-json.ts';
import { runCachedTool } from './cached-tool-run.ts';
import type { ToolContext, ToolDefinition } from './define-tool.ts';
import { refuseUnheldTools } from './refuse-unheld-tools.ts';
import type { ToolAuditTrail, ToolCall, ToolCallLimiter, ToolCallOutcome } from './tool-call-policy.ts';
import { toolErrorOf } from './tool-errors.ts';
import { traceToolCall } from './trace-tool-call.ts';

/** What the MCP server adds to every tool call; each part optional. */
export interface ToolInstrumentation {
  /** `eaio_mcp_tool_duration_seconds` and `eaio_mcp_tool_errors_total` per tool. */
  readonly metrics?: McpToolMetrics;
  /** One `mcp.tool:<name>` operation per call on the telemetry topic. */
  readonly operations?: OperationRecorder;
  /** Rate limits and quotas, checked before a call runs. */
  readonly limiter?: ToolCallLimiter;
  /** The audit record of every call. */
  readonly audit?: ToolAuditTrail;
  /**
   * The tool-result cache: read-only tools with a `cache` policy answer repeats from it (after the
   * access check and the limits, so a cached answer is still counted and audited).
   */
  readonly cache?: ToolResultCache;
}

/** A tool of any input, output and context, as the list of tools holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the list holds tools of different inputs and outputs.
export type AnyTool<Q> = ToolDefinition<any, any, Q>;

/** A tool call's result and, when it is an error, the code metrics and the operation record carry. */
export interface ToolRun {
  readonly result: CallToolResult;
  readonly errorCode?: string;
}

function thrownCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return 'INTERNAL';
}

const errorResult = (sentence: string): CallToolResult => ({
  isError: true,
  content: [{ type: 'text', text: sentence }],
});

/**
 * Runs a tool's `handle` on validated arguments and makes its answer an MCP result: structured
 * content and a text summary, or `isError: true` with the sentence of a refusal or a typed error
 * (see `toolErrorOf`). Other errors are thrown: the SDK answers them as an error result.
 */
export async function runTool<Q>(tool: AnyTool<Q>, args: unknown, context: ToolContext<Q>): Promise<ToolRun> {
  try {
    const answer = await tool.handle(args, context);
    return {
      result: { content: [{ type: 'text', text: answer.text }], structuredContent: answer.structured },
    };
  } catch (error) {
    const mapped = toolErrorOf(error);
    if (mapped === undefined) throw error;
    return { result: errorResult(mapped.sentence), errorCode: mapped.code };
  }
}

/** The outcome the audit records for a run's error code. */
function outcomeOf(errorCode: string | undefined): ToolCallOutcome {
  switch (errorCode) {
    case undefined:
      return 'ok';
    case 'ACCESS_DENIED':
      return 'denied';
    case 'RATE_LIMITED':
      return 'rate_limited';
    default:
      return 'error';
  }
}

function provenanceOf(result: CallToolResult | undefined): AnswerMeta['provenance'] | undefined {
  const structured = result?.structuredContent as { provenance?: AnswerMeta['provenance'] } | undefined;
  return structured?.provenance;
}

/**
 * The guarded run of one call: the access check (the caller holds the tool's scope), the limiter,
 * then the tool, through the tool-result cache when it has a cache policy. A denial or a limit is an
 * `isError` result like any other typed error.
 */
async function guardedRun<Q>(
  tool: AnyTool<Q>,
  call: ToolCall,
  context: ToolContext<Q>,
  limiter: ToolCallLimiter | undefined,
  cache: ToolResultCache | undefined,
): Promise<ToolRun> {
  try {
    if (!holds(context.principal, tool.scope)) {
      throw new EaioError(
        'ACCESS_DENIED',
        'permanent',
        `${tool.name} needs the scope '${tool.scope}', which the caller's token does not grant`,
        { context: { scope: tool.scope } },
      );
    }
    await limiter?.admit(call);
  } catch (error) {
    const mapped = toolErrorOf(error);
    if (mapped === undefined) throw error;
    return { result: errorResult(mapped.sentence), errorCode: mapped.code };
  }
  const run = () => runTool(tool, call.args, context);
  if (cache === undefined || tool.cache === undefined || !call.readOnly) return run();
  return runCachedTool(
    cache,
    {
      tool: tool.name,
      tenant: context.principal.tenant,
      args: call.args,
      policy: tool.cache,
      now: context.now(),
    },
    run,
  );
}

/**
 * Registers the tools of the list that the context's principal may call (a caller sees only those
 * in `tools/list`), each the same way: its contract as defined, and each call run inside a
 * `tools/call <tool>` SERVER span, checked (scope, then limits), measured (duration and errors in the
 * metrics), recorded (one `mcp.tool:<name>` operation) and audited. The audit of a tool that is not
 * read-only is acknowledged before the answer is sent; a read-only tool's is not awaited, and the
 * trail reports its own failures. Metrics and operations never change the answer. A call of a tool
 * the principal may not call is refused naming the scope, and audited as denied (see `refuseUnheldTools`).
 */
export function registerTools<Q>(
  server: McpServer,
  tools: readonly AnyTool<Q>[],
  context: ToolContext<Q>,
  { metrics, operations, limiter, audit, cache }: ToolInstrumentation = {},
): void {
  for (const tool of tools) {
    if (!holds(context.principal, tool.scope)) continue;
    const readOnly = tool.annotations.readOnlyHint === true;
    const call = (args: Readonly<Record<string, unknown>>) =>
      traceToolCall(tool.name, async (span) => {
        const run = await guardedRun(
          tool,
          { tool: tool.name, principal: context.principal, args, readOnly },
          context,
          limiter,
          cache,
        );
        if (run.errorCode !== undefined) span.setAttribute('error.type', run.errorCode);
        // Taken inside the span, so the audit record names the call's span, not its parent.
        return { ...run, traceContext: traceContextField() };
      });
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        annotations: tool.annotations,
      },
      async (args: Readonly<Record<string, unknown>>) => {
        const startedAt = Date.now();
        const started = performance.now();
        let errorCode: string | undefined;
        let result: CallToolResult | undefined;
        let traceContext: TraceContextField | null = null;
        let failed = false;
        try {
          const run =
            metrics === undefined
              ? await call(args)
              : await metrics.measureTool(
                  tool.name,
                  () => call(args),
                  (r) => r.errorCode,
                );
          errorCode = run.errorCode;
          result = run.result;
          traceContext = run.traceContext;
        } catch (error) {
          errorCode = thrownCode(error);
          failed = true;
          throw error;
        } finally {
          const durationMs = performance.now() - started;
          operations?.record({
            component: 'mcp',
            operation: `mcp.tool:${tool.name}`,
            durationMs,
            ...(errorCode === undefined ? {} : { errorCode }),
          });
          if (audit !== undefined) {
            const provenance = provenanceOf(result);
            const commandId = commandIdOf(result?.structuredContent) ?? commandIdOf(args);
            const record = audit.record({
              tool: tool.name,
              principal: context.principal,
              args,
              readOnly,
              outcome: failed ? 'failed' : outcomeOf(errorCode),
              durationMs,
              startedAt,
              ...(errorCode === undefined ? {} : { errorCode }),
              ...(provenance === undefined ? {} : { provenance }),
              ...(commandId === undefined ? {} : { commandId }),
              traceContext,
            });
            if (readOnly || failed) void record.catch(() => undefined);
            else await record;
          }
        }
        return result;
      },
    );
  }
  const unheld = tools
    .filter((tool) => !holds(context.principal, tool.scope))
    .map((tool) => ({
      name: tool.name,
      scope: tool.scope,
      readOnly: tool.annotations.readOnlyHint === true,
    }));
  refuseUnheldTools(server, unheld, context.principal, audit);
}

function commandIdOf(fields: unknown): string | undefined {
  const id =
    typeof fields === 'object' && fields !== null ? (fields as { commandId?: unknown }).commandId : undefined;
  return typeof id === 'string' ? id : undefined;
}
