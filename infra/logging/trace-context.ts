import { isSpanContextValid, trace } from '@opentelemetry/api';

/** The ids a log line carries when it is written inside an active, valid span. */
export interface TraceFields {
  readonly traceId?: string;
  readonly spanId?: string;
}

/**
 * pino `mixin`: adds `traceId` and `spanId` of the span active in the current async context, so
 * a line can be joined to its trace. Returns a fresh object each time because pino merges the
 * line's own fields into it.
 */
export function traceContextMixin(): TraceFields {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return { traceId: context.traceId, spanId: context.spanId };
}
