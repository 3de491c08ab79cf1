import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import type { McpToolMetrics } from '../infra/metrics/index.ts';
import type { OperationRecorder } from '../infra/operations/index.ts';
import type { ToolContext, ToolDefinition } from './define-tool.ts';
import { toolErrorOf } from './tool-errors.ts';
import { traceToolCall } from './trace-tool-call.ts';

/** What the MCP server records per tool call; each part optional. */
export interface ToolInstrumentation {
  /** `eaio_mcp_tool_duration_seconds` and `eaio_mcp_tool_errors_total` per tool. */
  readonly metrics?: McpToolMetrics;
  /** One `mcp.tool:<name>` operation per call on the telemetry topic. */
  readonly operations?: OperationRecorder;
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
    return {
      result: { isError: true, content: [{ type: 'text', text: mapped.sentence }] },
      errorCode: mapped.code,
    };
  }
}

/**
 * Registers every tool of the list on `server`, each the same way: its contract as defined, and each
 * call run inside a `tools/call <tool>` SERVER span, measured (duration and errors in the metrics) and
 * recorded (one `mcp.tool:<name>` operation). Recording never changes the answer: metrics are
 * in-process, and the recorder does not wait.
 */
export function registerTools<Q>(
  server: McpServer,
  tools: readonly AnyTool<Q>[],
  context: ToolContext<Q>,
  { metrics, operations }: ToolInstrumentation = {},
): void {
  for (const tool of tools) {
    const call = (args: unknown) =>
      traceToolCall(tool.name, async (span) => {
        const run = await runTool(tool, args, context);
        if (run.errorCode !== undefined) span.setAttribute('error.type', run.errorCode);
        return run;
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
      async (args: unknown) => {
        const started = performance.now();
        let errorCode: string | undefined;
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
          return run.result;
        } catch (error) {
          errorCode = thrownCode(error);
          throw error;
        } finally {
          operations?.record({
            component: 'mcp',
            operation: `mcp.tool:${tool.name}`,
            durationMs: performance.now() - started,
            ...(errorCode === undefined ? {} : { errorCode }),
          });
        }
      },
    );
  }
}
