import { type Attributes, type SpanContext, SpanKind, type Tracer } from '@opentelemetry/api';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  batchSpanParentOf,
  inSpan,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_SYSTEM_VALUE_KAFKA,
} from '../infra/telemetry/index.ts';

/** What a batch span covers and says about it. */
export interface BatchSpanOptions {
  /** The span name, e.g. `process <processor>` or `project <projection>`. */
  readonly name: string;
  /** `messaging.destination.name`: the topic consumed, or the topics joined with commas. */
  readonly destination: string;
  readonly partition: number;
  /** `messaging.batch.message_count`: the events the span covers. */
  readonly messageCount: number;
  /** The producers' span contexts the events carried (undefined for untraced ones). */
  readonly traces: readonly (SpanContext | undefined)[];
  /** The consumer's own attributes, beside the messaging ones. */
  readonly attributes?: Attributes;
  /** When the batch's work began, if before the span is opened. */
  readonly startTime?: number;
}

/**
 * Runs `work` in one CONSUMER span over a batch of events, with the messaging attributes: a child
 * of the producer's span when the events carry one trace, else a new trace linking each of them
 * (see `batchSpanParentOf`), with `eaio.trace.links_dropped` counting contexts beyond the link limit.
 */
export function inBatchSpan<T>(
  tracer: Tracer,
  options: BatchSpanOptions,
  work: () => Promise<T>,
): Promise<T> {
  const { parent, links, droppedLinks } = batchSpanParentOf(options.traces);
  return inSpan(
    tracer,
    options.name,
    {
      kind: SpanKind.CONSUMER,
      parent,
      links,
      ...(options.startTime === undefined ? {} : { startTime: options.startTime }),
      attributes: {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_KAFKA,
        [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
        [ATTR_MESSAGING_OPERATION_NAME]: 'process',
        [ATTR_MESSAGING_DESTINATION_NAME]: options.destination,
        [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(options.partition),
        [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: options.messageCount,
        ...options.attributes,
        'eaio.trace.links_dropped': droppedLinks,
      },
    },
    work,
  );
}
