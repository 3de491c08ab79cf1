import type { EaioMetrics } from '../../infra/metrics/index.ts';
import type { TopicValue } from '../../schemas/index.ts';
import { type PublishDeps, publishEvents } from '../publish/index.ts';

/** What the poller produces with: an idempotent producer and the platform's codec and topic names. */
export interface WeatherPollerDeps extends PublishDeps {
  /** Counts what was produced (`eaio_events_produced_total{component="weather-poller"}`). */
  readonly metrics?: Pick<EaioMetrics, 'countProduced'>;
}

/** The topics the poller writes, each keyed by stationId. */
export type WeatherTopic = 'weatherObservations' | 'weatherForecasts' | 'weatherAlerts';

/**
 * Produces `events` keyed by station id (one station's events keep their order) through the sources'
 * one publishing path ({@link publishEvents}: acks from every in-sync replica, one PRODUCER span, trace
 * context in headers and in `traceContext`), then counts them for the poller's metrics.
 */
export async function publishWeatherEvents<K extends WeatherTopic>(
  deps: WeatherPollerDeps,
  topicKey: K,
  events: readonly TopicValue<K>[],
): Promise<void> {
  if (events.length === 0) return;
  await publishEvents(deps, topicKey, events, (event) => event.stationId);
  deps.metrics?.countProduced('weather-poller', deps.names.topic(topicKey), events.length);
}
