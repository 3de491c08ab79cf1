import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import type { IHeaders } from 'kafkajs';

/**
 * The W3C trace context as the Avro events carry it in their optional `traceContext` field
 * (structurally the generated `TraceContext`, so infra does not depend on the schemas).
 */
export interface TraceContextField {
  readonly traceparent: string;
  readonly tracestate?: string | null;
}

type StringCarrier = Record<string, string>;

/** kafkajs header values arrive as Buffers (or arrays of them when a header repeats). */
const kafkaHeaderGetter: TextMapGetter<IHeaders | undefined> = {
  keys: (carrier) => Object.keys(carrier ?? {}),
  get: (carrier, key) => {
    const value = carrier?.[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  },
};

function injected(ctx: Context): StringCarrier {
  const carrier: StringCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/**
 * `headers` plus `traceparent` (and `tracestate`) of `ctx`, for a message being produced. With
 * tracing off the global propagator is a no-op and the headers come back unchanged, so untraced
 * processes put nothing extra on the wire.
 */
export function injectTraceHeaders(ctx: Context = context.active(), headers: IHeaders = {}): IHeaders {
  const carrier = injected(ctx);
  return Object.keys(carrier).length === 0 ? headers : { ...headers, ...carrier };
}

/**
 * The producer's context from a consumed message's headers, or else from the event's own
 * `traceContext` field (a re-driven or re-encoded event may have lost its headers). The result
 * holds a remote span context when either carried one, and is the root context otherwise.
 */
export function extractTraceContext(
  headers: IHeaders | undefined,
  field?: TraceContextField | null,
): Context {
  const fromHeaders = propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter);
  if (field == null || validSpanContext(fromHeaders) !== undefined) return fromHeaders;
  const carrier: StringCarrier = { traceparent: field.traceparent };
  if (field.tracestate) carrier.tracestate = field.tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

function validSpanContext(ctx: Context): SpanContext | undefined {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The span context a consumed message continues, if it carried one. */
export function spanContextOfMessage(
  headers: IHeaders | undefined,
  field?: TraceContextField | null,
): SpanContext | undefined {
  return validSpanContext(extractTraceContext(headers, field));
}

/** `ctx` as an event's `traceContext` field; null when no traced span is active (tracing off). */
export function traceContextField(ctx: Context = context.active()): TraceContextField | null {
  const { traceparent, tracestate } = injected(ctx);
  if (traceparent === undefined) return null;
  return { traceparent, tracestate: tracestate ?? null };
}

/**
 * A copy of `event` whose `traceContext` field names `ctx`; `event` itself when tracing is off, so
 * an untraced run encodes exactly what it did before.
 */
export function withTraceContextField<E extends { readonly traceContext?: TraceContextField | null }>(
  event: E,
  ctx: Context = context.active(),
): E {
  const field = traceContextField(ctx);
  return field === null ? event : { ...event, traceContext: field };
}

/** The active span's `traceparent`, to store beside a value it wrote; undefined outside a traced span. */
export function activeTraceparent(ctx: Context = context.active()): string | undefined {
  return traceContextField(ctx)?.traceparent;
}

/**
 * Parses a stored `traceparent` (W3C format) into a span context to link to; undefined when it is
 * empty or malformed. Independent of the registered propagator, so a value stored by another
 * process is read the same way whatever this one has configured.
 */
export function spanContextOfTraceparent(traceparent: string | undefined | null): SpanContext | undefined {
  if (!traceparent) return undefined;
  const parsed = parseTraceParent(traceparent);
  return parsed !== null && isSpanContextValid(parsed) ? parsed : undefined;
}
