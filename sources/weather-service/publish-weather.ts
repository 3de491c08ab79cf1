import type { Tracer } from '@opentelemetry/api';
import type { Producer } from 'kafkajs';
import type { Logger } from '../../infra/logging/index.ts';
import type { EaioMetrics } from '../../infra/metrics/index.ts';
import {
  globalTracer,
  injectTraceHeaders,
  inProducerSpan,
  withTraceContextField,
} from '../../infra/telemetry/index.ts';
import type { EventCodec, TopicNames, TopicValue } from '../../schemas/index.ts';

/** What the poller produces with: an idempotent producer and the platform's codec and topic names. */
export interface WeatherPollerDeps {
  readonly producer: Producer;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  /** Makes the `send` span of each publish; the globally registered tracer (a no-op when off) by default. */
  readonly tracer?: Tracer;
  /** Counts what was produced (`eaio_events_produced_total{component="weather-poller"}`). */
  readonly metrics?: Pick<EaioMetrics, 'countProduced'>;
}

/** The topics the poller writes, each keyed by stationId. */
export type WeatherTopic = 'weatherObservations' | 'weatherForecasts' | 'weatherAlerts';

/**
 * Produces `events` keyed by station id (one station's events keep their order), acks from every
 * in-sync replica, in one PRODUCER span; each message carries its trace context in headers and in the
 * event's `traceContext` field, as the demo feed does.
 */
export async function publishWeatherEvents<K extends WeatherTopic>(
  deps: WeatherPollerDeps,
  topicKey: K,
  events: readonly (TopicValue<K> & { readonly stationId: string })[],
): Promise<void> {
  if (events.length === 0) return;
  const topic = deps.names.topic(topicKey);
  const tracer = deps.tracer ?? globalTracer();
  await inProducerSpan(tracer, { topic, messageCount: events.length }, async () => {
    const messages = await Promise.all(
      events.map(async (event) => ({
        key: event.stationId,
        value: await deps.codec.encode(topicKey, withTraceContextField(event)),
        headers: injectTraceHeaders(),
      })),
    );
    await deps.producer.send({ topic, acks: -1, messages });
  });
  deps.metrics?.countProduced('weather-poller', topic, events.length);
}
