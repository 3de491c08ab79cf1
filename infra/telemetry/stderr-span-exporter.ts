import { type ExportResult, ExportResultCode, hrTimeToMicroseconds } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Where the exporter writes; stderr by default. */
export interface LineSink {
  write(line: string): unknown;
}

/**
 * Prints each ended span as one JSON line, for debugging. Unlike the SDK's `ConsoleSpanExporter`
 * it writes to stderr, not stdout: stdout carries the MCP stdio transport, which a span line
 * would corrupt.
 */
export class StderrSpanExporter implements SpanExporter {
  private readonly sink: LineSink;

  constructor(sink: LineSink = process.stderr) {
    this.sink = sink;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      this.sink.write(
        `${JSON.stringify({
          span: span.name,
          traceId,
          spanId,
          parentSpanId: span.parentSpanContext?.spanId,
          kind: span.kind,
          startUs: hrTimeToMicroseconds(span.startTime),
          durationUs: hrTimeToMicroseconds(span.duration),
          status: span.status,
          attributes: span.attributes,
          links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
          service: span.resource.attributes['service.name'],
        })}\n`,
      );
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}
