import { isSpanContextValid, type Link, type SpanContext } from '@opentelemetry/api';

/** Links kept per batch span: the SDK's default limit is 128; half leaves room and keeps spans small. */
export const MAX_BATCH_LINKS = 64;

/** Where a span over a batch of consumed messages sits: under one parent, or a new trace with links. */
export interface BatchTrace {
  /** The producer context the span continues; undefined when the batch starts a trace of its own. */
  readonly parent?: SpanContext;
  /** The other producer contexts of the batch, each at most once, in batch order. */
  readonly links: readonly Link[];
  /** Distinct contexts beyond {@link MAX_BATCH_LINKS} that were not linked. */
  readonly droppedLinks: number;
}

const keyOf = (c: SpanContext) => `${c.traceId}-${c.spanId}`;

/**
 * Decides the parent and links of one span covering a batch of messages, from the span contexts
 * the messages carried (undefined for untraced ones). A batch whose contexts all belong to one
 * trace (a single reading, or one producer's send) becomes a child of its first context, so the
 * trace reads as one chain from ingestion on; a batch mixing traces starts a new trace and links
 * every context, as no single parent would be true. Pure: the same contexts give the same answer.
 */
export function batchTrace(
  contexts: readonly (SpanContext | undefined)[],
  maxLinks: number = MAX_BATCH_LINKS,
): BatchTrace {
  const distinct = new Map<string, SpanContext>();
  for (const c of contexts) {
    if (c !== undefined && isSpanContextValid(c) && !distinct.has(keyOf(c))) distinct.set(keyOf(c), c);
  }
  const all = [...distinct.values()];
  const traces = new Set(all.map((c) => c.traceId));
  const [first] = all;
  const parent = traces.size === 1 ? first : undefined;
  const linked = parent === undefined ? all : all.slice(1);
  return {
    ...(parent === undefined ? {} : { parent }),
    links: linked.slice(0, maxLinks).map((c) => ({ context: c })),
    droppedLinks: Math.max(0, linked.length - maxLinks),
  };
}
