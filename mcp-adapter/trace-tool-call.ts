import { type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  globalTracer,
  inSpan,
  spanContextOfTraceparent,
} from '../infra/telemetry/index.ts';
import type { ToolName } from './tool-names.ts';

/**
 * Runs one tool call inside a SERVER span `tools/call <tool>` (the MCP semantic conventions' name
 * and attributes), so the read-model reads it makes are its children and its logs carry its ids.
 */
export function traceToolCall<T>(
  tool: ToolName,
  work: (span: Span) => Promise<T>,
  tracer: Tracer = globalTracer(),
): Promise<T> {
  return inSpan(
    tracer,
    `tools/call ${tool}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_MCP_METHOD_NAME]: 'tools/call',
        [ATTR_GEN_AI_TOOL_NAME]: tool,
        [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
      },
    },
    work,
  );
}

/**
 * Links the active span (a tool call) to the spans that wrote the values it returns: read models
 * that keep the `traceparent` of their write (latest-readings does) lead a trace viewer from an
 * answer back to the projector's write and, through it, to the reading's ingestion. Each distinct
 * writer is linked once; values without one (written while tracing was off) are passed over.
 */
export function linkToWriters(written: readonly { readonly traceparent?: string | undefined }[]): void {
  const span = trace.getActiveSpan();
  if (span === undefined) return;
  const seen = new Set<string>();
  for (const { traceparent } of written) {
    const context = spanContextOfTraceparent(traceparent);
    if (context === undefined || seen.has(context.spanId)) continue;
    seen.add(context.spanId);
    span.addLink({ context, attributes: { 'eaio.link': 'written-by' } });
  }
}
