import type {
  CallToolResult,
  JSONRPCRequest,
  McpServer,
  Result,
  ServerContext,
} from '@modelcontextprotocol/server';
import { EaioError } from '../infra/errors/index.ts';
import { traceContextField } from '../infra/telemetry/index.ts';
import type { Principal } from './access/index.ts';
import type { ToolAuditTrail } from './tool-call-policy.ts';
import { toolErrorOf } from './tool-errors.ts';
import type { ToolName } from './tool-names.ts';
import { traceToolCall } from './trace-tool-call.ts';

/** What the refusal needs to know of a tool the caller may not call. */
export interface UnheldTool {
  readonly name: ToolName;
  readonly scope: string;
  readonly readOnly: boolean;
}

type RequestHandler = (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>;

/**
 * The SDK's own `tools/call` handler. The SDK keeps it protected and offers no hook before its
 * lookup by name, which answers a tool that is not registered with a bare "not found"; reading it
 * is the one way to answer such a call ourselves and still leave every registered tool to the SDK.
 */
function sdkToolsCall(server: McpServer): RequestHandler | undefined {
  const low = server.server as unknown as { _getRequestHandler?(method: string): RequestHandler | undefined };
  return low._getRequestHandler?.('tools/call');
}

/**
 * Makes a call of a tool the caller may not call (hidden from its `tools/list`) a refusal that names
 * the missing scope and returns no data, recorded in the audit trail as `denied` (awaited for tools
 * that are not read-only, as for any call), instead of the SDK's unaudited "tool not found". Calls of
 * any other name go to the SDK unchanged. Does nothing when the caller holds every tool or none
 * (a server with no tools has no `tools/call`).
 */
export function refuseUnheldTools(
  server: McpServer,
  unheld: readonly UnheldTool[],
  principal: Principal,
  audit: ToolAuditTrail | undefined,
): void {
  const sdkCall = sdkToolsCall(server);
  if (unheld.length === 0 || sdkCall === undefined) return;
  const byName = new Map<string, UnheldTool>(unheld.map((t) => [t.name, t]));
  server.server.setRequestHandler('tools/call', async (request, ctx) => {
    const tool = byName.get(request.params.name);
    // The SDK's handler answers what McpServer's tool callbacks do: a CallToolResult.
    if (tool === undefined)
      return (await sdkCall(request as unknown as JSONRPCRequest, ctx)) as CallToolResult;
    const startedAt = Date.now();
    const started = performance.now();
    const refusal = new EaioError(
      'ACCESS_DENIED',
      'permanent',
      `${tool.name} needs the scope '${tool.scope}', which the caller's token does not grant`,
      { context: { scope: tool.scope } },
    );
    const mapped = toolErrorOf(refusal);
    // Traced like an admitted call, so the denial is on the caller's trace and its record names the span.
    const traceContext = await traceToolCall(tool.name, async (span) => {
      span.setAttribute('error.type', refusal.code);
      return traceContextField();
    });
    const record = audit?.record({
      tool: tool.name,
      principal,
      args: request.params.arguments ?? {},
      readOnly: tool.readOnly,
      outcome: 'denied',
      errorCode: refusal.code,
      durationMs: performance.now() - started,
      startedAt,
      traceContext,
    });
    if (tool.readOnly) void record?.catch(() => undefined);
    else await record;
    const result: CallToolResult = {
      isError: true,
      content: [{ type: 'text', text: mapped?.sentence ?? refusal.message }],
    };
    return result;
  });
}
