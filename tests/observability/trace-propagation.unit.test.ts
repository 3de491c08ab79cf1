import { isSpanContextValid, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  batchTrace,
  createTracing,
  extractTraceContext,
  injectTraceHeaders,
  inProducerSpan,
  spanContextOfMessage,
  spanContextOfTraceparent,
  type TraceContextField,
  type Tracing,
  traceContextField,
  withTraceContextField,
} from '../../infra/telemetry/index.ts';

interface Traceable {
  readonly eventId: string;
  readonly traceContext?: TraceContextField | null;
}

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const spanContext: fc.Arbitrary<SpanContext> = fc.record({
  traceId: fc.oneof(hex(32), fc.constant('0'.repeat(32))),
  spanId: fc.oneof(hex(16), fc.constant('0'.repeat(16))),
  traceFlags: fc.constant(TraceFlags.SAMPLED),
});
// Few distinct traces, so batches of one trace and of several both come up often.
const fewTraces = fc
  .tuple(
    fc.array(hex(32), { minLength: 1, maxLength: 3 }),
    fc.array(fc.tuple(fc.nat(), hex(16)), { maxLength: 20 }),
  )
  .map(([traces, spans]) =>
    spans.map(([i, spanId]) => ({ traceId: traces[i % traces.length] as string, spanId, traceFlags: 1 })),
  );

describe('batchTrace: parent or links of a span over a batch', () => {
  it('has a parent exactly when the valid contexts belong to one trace, and accounts for each context once', () => {
    fc.assert(
      fc.property(
        fc.oneof(fewTraces, fc.array(fc.option(spanContext, { nil: undefined }), { maxLength: 20 })),
        fc.integer({ min: 1, max: 8 }),
        (contexts, maxLinks) => {
          const valid = contexts.filter((c): c is SpanContext => c !== undefined && isSpanContextValid(c));
          const distinct = new Map(valid.map((c) => [`${c.traceId}-${c.spanId}`, c]));
          const traces = new Set(valid.map((c) => c.traceId));
          const decided = batchTrace(contexts, maxLinks);
          expect(decided.parent !== undefined).toBe(traces.size === 1);
          if (decided.parent !== undefined) expect(decided.parent).toEqual(valid[0]);
          const covered = [
            ...(decided.parent ? [decided.parent] : []),
            ...decided.links.map((l) => l.context),
          ].map((c) => `${c.traceId}-${c.spanId}`);
          expect(new Set(covered).size).toBe(covered.length);
          expect(covered.length + decided.droppedLinks).toBe(distinct.size);
          expect(decided.links.length).toBeLessThanOrEqual(maxLinks);
          for (const key of covered) expect(distinct.has(key)).toBe(true);
        },
      ),
    );
  });
});

describe('trace context through Kafka headers and the events traceContext field', () => {
  let tracing: Tracing;
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    tracing = createTracing({ serviceName: 'unit', exporter, processor: 'simple' });
  });
  afterAll(() => tracing.shutdown());

  it('injects the active producer span into headers and the field, and a consumer extracts it', async () => {
    const seen = await inProducerSpan(tracing.tracer, { topic: 't', messageCount: 1 }, async (span) => {
      const headers = injectTraceHeaders(undefined, { other: 'kept' });
      const untraced: Traceable = { eventId: 'e', traceContext: null };
      const event = withTraceContextField(untraced);
      return { span: span.spanContext(), headers, event };
    });
    expect(seen.headers.other).toBe('kept');
    expect(String(seen.headers.traceparent)).toBe(`00-${seen.span.traceId}-${seen.span.spanId}-01`);
    expect(seen.event.traceContext?.traceparent).toBe(String(seen.headers.traceparent));
    // As kafkajs delivers them: Buffers.
    const consumed = { traceparent: Buffer.from(String(seen.headers.traceparent)) };
    expect(spanContextOfMessage(consumed)).toMatchObject({
      traceId: seen.span.traceId,
      spanId: seen.span.spanId,
    });
    // Headers lost (a re-encoded event): the field still leads back.
    expect(spanContextOfMessage({}, seen.event.traceContext)?.spanId).toBe(seen.span.spanId);
    expect(spanContextOfTraceparent(seen.event.traceContext?.traceparent)?.spanId).toBe(seen.span.spanId);
    const [ended] = exporter.getFinishedSpans();
    expect(ended?.name).toBe('send t');
    expect(ended?.attributes['messaging.system']).toBe('kafka');
  });

  it('writes nothing outside a span, and reads nothing from untraced or malformed input', () => {
    expect(injectTraceHeaders(ROOT_CONTEXT, {})).toEqual({});
    expect(traceContextField(ROOT_CONTEXT)).toBeNull();
    const event: Traceable = { eventId: 'e' };
    expect(withTraceContextField(event, ROOT_CONTEXT)).toBe(event);
    expect(spanContextOfMessage(undefined)).toBeUndefined();
    expect(spanContextOfMessage({ traceparent: 'garbage' })).toBeUndefined();
    expect(spanContextOfTraceparent('00-zz-yy-01')).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({}))).toBeUndefined();
  });

  it('refuses a second tracing while one is registered', () => {
    expect(() => createTracing({ serviceName: 'again' })).toThrow(/already set up/);
  });
});
