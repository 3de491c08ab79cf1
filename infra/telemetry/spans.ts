import {
  type Attributes,
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TimeInput,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { EaioError } from '../errors/index.ts';
import { batchTrace } from './batch-trace.ts';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_KAFKA,
} from './semantic-attributes.ts';
import { spanContextOfMessage, type TraceContextField } from './trace-propagation.ts';

/** Instrumentation scope of every span the project makes. */
export const TRACER_NAME = 'eaio-stream';

/**
 * The tracer of the globally registered provider (see `createTracing`); a no-op tracer while none
 * is registered, so components can default to it and cost nothing with tracing off.
 */
export function globalTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Marks `span` failed with `error`: an exception event and an ERROR status naming its code. */
export function recordFailure(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof EaioError ? `${error.code}: ${error.message}` : String(error),
  });
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly links?: readonly Link[];
  readonly startTime?: TimeInput;
  /** The parent; the active context by default. */
  readonly parent?: Context;
}

/**
 * Runs `work` inside a new active span, ends it when `work` settles and records a failure on it,
 * so logs written inside carry its ids and spans started inside become its children.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(options.links ? { links: [...options.links] } : {}),
      ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
    },
    parent,
  );
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A PRODUCER span `send <topic>` around one `producer.send` of `messageCount` messages, with the
 * messaging attributes. Inside `work` the span is active: build each message with
 * `injectTraceHeaders()` and `withTraceContextField(event)` so consumers continue this trace.
 */
export function inProducerSpan<T>(
  tracer: Tracer,
  { topic, messageCount }: { readonly topic: string; readonly messageCount: number },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return inSpan(
    tracer,
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_KAFKA,
        [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND,
        [ATTR_MESSAGING_OPERATION_NAME]: 'send',
        [ATTR_MESSAGING_DESTINATION_NAME]: topic,
        [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: messageCount,
      },
    },
    work,
  );
}

/** A consumed message as a batch span needs it: its headers, and the event's field when decoded. */
export interface TracedMessage {
  readonly headers?: IHeaders;
  readonly traceContext?: TraceContextField | null;
}

/**
 * Parent context and links of a span covering a batch of consumed messages (see `batchTrace`):
 * the producer's context when the batch carries one trace, else a new trace linking them all.
 */
export function batchSpanParent(messages: readonly TracedMessage[]): BatchSpanParent {
  return batchSpanParentOf(messages.map((m) => spanContextOfMessage(m.headers, m.traceContext)));
}

/** Where a batch span starts: its parent context (the root for a new trace) and its links. */
export interface BatchSpanParent {
  readonly parent: Context;
  readonly links: readonly Link[];
  readonly droppedLinks: number;
}

/** {@link batchSpanParent} over span contexts already extracted (undefined for untraced events). */
export function batchSpanParentOf(contexts: readonly (SpanContext | undefined)[]): BatchSpanParent {
  const decided = batchTrace(contexts);
  return {
    parent: decided.parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, decided.parent),
    links: decided.links,
    droppedLinks: decided.droppedLinks,
  };
}
