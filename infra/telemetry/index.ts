export type { BatchTrace } from './batch-trace.ts';
export { batchTrace, MAX_BATCH_LINKS } from './batch-trace.ts';
export type { Tracing, TracingOptions, TracingSettings } from './create-tracing.ts';
export { createTracing, disabledTracing, tracingFromSettings } from './create-tracing.ts';
export {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_SERVICE_NAME,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
  DB_SYSTEM_NAME_VALUE_REDIS,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  MESSAGING_SYSTEM_VALUE_KAFKA,
} from './semantic-attributes.ts';
export type { BatchSpanParent, SpanOptions, TracedMessage } from './spans.ts';
export {
  batchSpanParent,
  batchSpanParentOf,
  globalTracer,
  inProducerSpan,
  inSpan,
  recordFailure,
  TRACER_NAME,
} from './spans.ts';
export type { LineSink } from './stderr-span-exporter.ts';
export { StderrSpanExporter } from './stderr-span-exporter.ts';
export type { TraceContextField } from './trace-propagation.ts';
export {
  activeTraceparent,
  extractTraceContext,
  injectTraceHeaders,
  spanContextOfMessage,
  spanContextOfTraceparent,
  traceContextField,
  withTraceContextField,
} from './trace-propagation.ts';
