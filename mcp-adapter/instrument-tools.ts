import type { McpServer } from '@modelcontextprotocol/server';
import type { McpToolMetrics } from '../infra/metrics/index.ts';
import type { OperationRecorder } from '../infra/operations/index.ts';

/** What the MCP server records per tool call; each part optional. */
export interface ToolInstrumentation {
  /** `eaio_mcp_tool_duration_seconds` and `eaio_mcp_tool_errors_total` per tool. */
  readonly metrics?: McpToolMetrics;
  /** One `mcp.tool:<name>` operation per call on the telemetry topic. */
  readonly operations?: OperationRecorder;
}

/** Code of a tool answer that is an error the model can act on (`isError: true`), not a protocol error. */
export const TOOL_ERROR_CODE = 'TOOL_ERROR';

/** The error code of a tool result: {@link TOOL_ERROR_CODE} for `isError: true`, else none. */
export function toolResultErrorCode(result: unknown): string | undefined {
  return typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true
    ? TOOL_ERROR_CODE
    : undefined;
}

function thrownCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string')
    return error.code;
  return 'INTERNAL';
}

/**
 * Makes every tool registered on `server` from now on measured and recorded: its duration and
 * errors in the metrics, one operation on the telemetry topic. Done at registration, per server
 * instance, so each tool file stays about its tool and a new tool is instrumented without a change.
 * Recording never changes the answer: metrics are in-process, and the recorder does not wait.
 */
export function instrumentTools(server: McpServer, { metrics, operations }: ToolInstrumentation): McpServer {
  if (metrics === undefined && operations === undefined) return server;
  const register = server.registerTool.bind(server) as (
    name: string,
    config: unknown,
    callback: (...args: unknown[]) => unknown,
  ) => unknown;
  const measured =
    (name: string, callback: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]): Promise<unknown> => {
      const started = performance.now();
      let errorCode: string | undefined;
      try {
        const call = async () => callback(...args);
        return metrics === undefined
          ? await call().then((result) => {
              errorCode = toolResultErrorCode(result);
              return result;
            })
          : await metrics.measureTool(name, call, (result) => {
              errorCode = toolResultErrorCode(result);
              return errorCode;
            });
      } catch (error) {
        errorCode = thrownCode(error);
        throw error;
      } finally {
        operations?.record({
          component: 'mcp',
          operation: `mcp.tool:${name}`,
          durationMs: performance.now() - started,
          ...(errorCode === undefined ? {} : { errorCode }),
        });
      }
    };
  // The SDK's overloads cannot be restated generically; the wrapper passes arguments and result through.
  server.registerTool = ((name: string, config: unknown, callback: (...args: unknown[]) => unknown) =>
    register(name, config, measured(name, callback))) as typeof server.registerTool;
  return server;
}
