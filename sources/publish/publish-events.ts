import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { Message, Producer } from 'kafkajs';
import type { Logger } from '../../infra/logging/index.ts';
import { isRetryable, retryTransient } from '../../infra/resilience/index.ts';
import {
  globalTracer,
  injectTraceHeaders,
  inProducerSpan,
  withTraceContextField,
} from '../../infra/telemetry/index.ts';
import type {
  BuildingRegistered,
  EventCodec,
  SensorReading,
  TopicKey,
  TopicNames,
  TopicValue,
} from '../../schemas/index.ts';
import type { Bdg1Building } from '../bdg1/index.ts';

/**
 * How long a source keeps trying one send while the broker is away: kafkajs's own retrier gives up on
 * a broker that refuses connections within seconds (its retries cover one request, not an outage),
 * and a source that exits then loses what it was about to produce. About ten minutes of back-off
 * (0.5 s doubling to 15 s, 45 tries) rides out a broker restart or a rolling upgrade; a longer outage
 * still ends the source with the broker's error.
 */
const SEND_ATTEMPTS = 45;
const SEND_RETRY = retryTransient({ maxAttempts: SEND_ATTEMPTS, initialDelayMs: 500, maxDelayMs: 15_000 });

/** What a source needs to produce onto the platform's topics. */
export interface PublishDeps {
  /** An idempotent producer (the platform's), so a retried send never duplicates a message. */
  readonly producer: Producer;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  /** Makes the `send` span of each publish; the globally registered tracer (a no-op when off) by default. */
  readonly tracer?: Tracer;
  /**
   * True for a source with a retry budget of its own: a send then fails with the broker's error at
   * once instead of riding out an outage (see {@link SEND_RETRY}).
   */
  readonly failFastOnOutage?: boolean;
}

/**
 * Produces events onto one topic in one send, each keyed by `keyOf`. One PRODUCER span per send; each
 * message carries its context in `traceparent`/`tracestate` headers and in the event's `traceContext`.
 */
export async function publishEvents<K extends TopicKey>(
  deps: PublishDeps,
  topicKey: K,
  events: readonly TopicValue<K>[],
  keyOf: (event: TopicValue<K>) => string,
): Promise<void> {
  if (events.length === 0) return;
  const topic = deps.names.topic(topicKey);
  const tracer = deps.tracer ?? globalTracer();
  await inProducerSpan(tracer, { topic, messageCount: events.length }, async () => {
    const messages = await Promise.all(
      events.map(async (event) => ({
        key: keyOf(event),
        value: await deps.codec.encode(topicKey, withTraceContextField(event)),
        headers: injectTraceHeaders(),
      })),
    );
    await sendRetrying(deps, topic, messages);
  });
}

/** How {@link publishBuildings} stamps its events. */
export interface PublishBuildingsOptions {
  /** `source` of the events; `bdg1-importer` by default. */
  readonly source?: string;
  /** Event id of each registration; a random UUID by default. */
  readonly eventIdOf?: (building: Bdg1Building) => string;
}

/** Produces one BuildingRegistered event per building, keyed by building id. */
export async function publishBuildings(
  deps: PublishDeps,
  buildings: readonly Bdg1Building[],
  at: Date,
  { source = 'bdg1-importer', eventIdOf = () => randomUUID() }: PublishBuildingsOptions = {},
): Promise<void> {
  const events = buildings.map(
    (b): BuildingRegistered => ({
      eventId: eventIdOf(b),
      occurredAt: at,
      source,
      buildingId: b.buildingId,
      siteId: null,
      primaryUse: b.primaryUse,
      floorAreaM2: b.floorAreaM2,
      timezone: b.timezone,
      yearBuilt: b.yearBuilt,
      weatherStationId: b.weatherStationId,
    }),
  );
  await publishEvents(deps, 'buildings', events, (e) => e.buildingId);
}

/** Produces readings keyed by meter id, so each meter's readings stay in order. */
export async function publishReadings(deps: PublishDeps, readings: readonly SensorReading[]): Promise<void> {
  await publishEvents(deps, 'sensorReadings', readings, (r) => r.meterId);
}

/**
 * One send, tried again while the failure is one a new attempt can fix (the broker unreachable or
 * restarting). The producer is idempotent, so a batch the broker kept before the failure is not
 * written twice. Each retry is logged, so a source waiting on the broker says so.
 */
async function sendRetrying(deps: PublishDeps, topic: string, messages: Message[]): Promise<void> {
  await SEND_RETRY.execute(async ({ attempt }) => {
    try {
      await deps.producer.send({ topic, acks: -1, messages });
    } catch (error) {
      if (isRetryable(error)) {
        if (attempt + 1 < SEND_ATTEMPTS)
          deps.logger.warn(
            { topic, attempt: attempt + 1, err: error },
            'send failed while the broker is unreachable; retrying with back-off',
          );
        else
          deps.logger.error(
            { topic, attempts: SEND_ATTEMPTS, err: error },
            'send failed while the broker is unreachable; giving up after the last try',
          );
      }
      throw error;
    }
  });
}
