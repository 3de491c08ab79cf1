import type { Tracer } from '@opentelemetry/api';
import type { Message } from 'kafkajs';
import type { StreamMetrics } from '../../infra/metrics/index.ts';
import {
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  injectTraceHeaders,
  spanContextOfMessage,
  type TraceContextField,
  traceContextField,
} from '../../infra/telemetry/index.ts';
import type { TopicValue } from '../../schemas/index.ts';
import {
  type BatchMeter,
  inBatchSpan,
  sendBatchInChunks,
  sendOffsetsInPlace,
  toDeadLetterMessage,
} from '../../stream-runtime/index.ts';
import type { BatchDrainer } from './drain-batch.ts';
import type { PartitionProducers } from './partition-producers.ts';
import type { Buffered, PartitionRun } from './partition-run.ts';
import type { ProcessorFailpoints } from './processor-definition.ts';
import type { ProcessorScope } from './runtime-definition.ts';

/** What one committed transaction held, for metrics and telemetry. */
export interface Committed {
  readonly produced: number;
  readonly deadLettered: number;
}

/** A drain that had nothing to commit. */
export const NOTHING_COMMITTED: Committed = { produced: 0, deadLettered: 0 };

/** Where a processor's commits are counted and traced. */
export interface CommitTelemetry {
  readonly meter: BatchMeter;
  /** For `countProduced`, which only processors record. */
  readonly metrics: StreamMetrics | undefined;
  readonly component: string;
  readonly tracer: Tracer;
  /** Test-only hooks around the commit; none in production. */
  readonly failpoints?: ProcessorFailpoints;
}

/** Drains a partition run and commits what it fed; see {@link createBatchCommitter}. */
export type BatchCommitter = (partitionRun: PartitionRun) => Promise<Committed>;

const traceContextOf = (entry: Buffered): TraceContextField | null | undefined =>
  (entry.input?.value as { traceContext?: TraceContextField | null } | undefined)?.traceContext;

/**
 * Drains a run and commits what it fed, its outputs and dead letters in one transaction of the
 * partition number's producer, inside one CONSUMER span per batch rather than per event: outputs
 * are not one-to-one with inputs (a window closes on a later event, merged inputs interleave), the
 * transaction is the unit of work, and a span per event would cost more than the event. The span
 * continues the producer's trace when the events fed share one, and otherwise starts a trace
 * linking each; the outputs carry its context in their headers and `traceContext` field.
 */
export function createBatchCommitter(
  scope: ProcessorScope,
  drain: BatchDrainer,
  producers: PartitionProducers,
  telemetry: CommitTelemetry,
): BatchCommitter {
  const { definition, codec, names, groupId, inputTopics } = scope;
  const outputTopic = names.topic(definition.output);
  const destination = inputTopics.join(',');
  const { meter, metrics, component, tracer, failpoints } = telemetry;

  return async (partitionRun) => {
    const startedAt = Date.now();
    const { outputs, letters, buffered } = await drain(partitionRun);
    const moved = partitionRun.cursors.filter((c) => c.position !== c.committed);
    if (outputs.length === 0 && letters.length === 0 && moved.length === 0) return NOTHING_COMMITTED;
    const traces = partitionRun.cursors.flatMap((c, i) =>
      (buffered[i] ?? [])
        .filter((entry) => entry.offset < c.position)
        .map((entry) => spanContextOfMessage(entry.message.headers, traceContextOf(entry))),
    );
    return inBatchSpan(
      tracer,
      {
        name: `process ${definition.name}`,
        destination,
        partition: partitionRun.partition,
        messageCount: traces.length,
        traces,
        startTime: startedAt,
        attributes: {
          [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: groupId,
          'eaio.processor': definition.name,
          'eaio.outputs': outputs.length,
          'eaio.dead_letters': letters.length,
        },
      },
      async () => {
        // Once per batch, not per event: every output of the batch carries the batch span's context.
        const headers = injectTraceHeaders();
        const traceContext = traceContextField();
        const encode = await codec.encoder(definition.output);
        const messages: Message[] = new Array(outputs.length);
        for (let i = 0; i < outputs.length; i += 1) {
          const event = outputs[i] as TopicValue<typeof definition.output>;
          messages[i] = {
            key: definition.outputKey(event),
            value: encode(traceContext === null ? event : { ...event, traceContext }),
            headers,
          };
        }
        const at = new Date();
        const byDeadLetterTopic = new Map<string, Message[]>();
        for (const { key, letter } of letters) {
          const topic = names.deadLetter(key);
          let list = byDeadLetterTopic.get(topic);
          if (list === undefined) {
            list = [];
            byDeadLetterTopic.set(topic, list);
          }
          list.push(toDeadLetterMessage(letter, at));
        }
        const producer = await producers.of(partitionRun.partition);
        const transaction = await producer.transaction();
        try {
          await sendBatchInChunks(transaction, [
            { topic: outputTopic, messages },
            ...[...byDeadLetterTopic].map(([topic, list]) => ({ topic, messages: list })),
          ]);
          if (moved.length > 0) {
            await sendOffsetsInPlace(transaction, {
              consumerGroupId: groupId,
              topics: moved.map((c) => ({
                topic: c.topic,
                partitions: [{ partition: partitionRun.partition, offset: c.position.toString() }],
              })),
            });
          }
          const point = { partition: partitionRun.partition, produced: messages.length };
          await failpoints?.beforeCommit?.(point);
          await transaction.commit();
          failpoints?.afterCommit?.(point);
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          throw error;
        }
        for (const cursor of moved) cursor.committed = cursor.position;
        // Counted once committed: an aborted transaction is redone, and would otherwise count twice.
        if (messages.length > 0) metrics?.countProduced(component, outputTopic, messages.length);
        meter.deadLetters(letters.map((l) => l.letter));
        return { produced: messages.length, deadLettered: letters.length };
      },
    );
  };
}
