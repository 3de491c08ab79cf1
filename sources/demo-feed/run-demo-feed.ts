import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { Producer } from 'kafkajs';
import type { Logger } from '../../infra/logging/index.ts';
import {
  globalTracer,
  injectTraceHeaders,
  inProducerSpan,
  withTraceContextField,
} from '../../infra/telemetry/index.ts';
import type { BuildingRegistered, EventCodec, SensorReading, TopicNames } from '../../schemas/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import type { Bdg1Building } from '../bdg1/index.ts';
import { type DemoMeter, demoMeters, demoReading } from './demo-meters.ts';

export interface DemoFeedDeps {
  readonly producer: Producer;
  readonly codec: EventCodec;
  readonly names: TopicNames;
  readonly logger: Logger;
  /** Makes the `send` span of each publish; the globally registered tracer (a no-op when off) by default. */
  readonly tracer?: Tracer;
}

/** Produces one BuildingRegistered event per building, keyed by building id. */
export async function publishBuildings(
  deps: DemoFeedDeps,
  buildings: readonly Bdg1Building[],
  at: Date,
): Promise<void> {
  const topic = deps.names.topic('buildings');
  const tracer = deps.tracer ?? globalTracer();
  await inProducerSpan(tracer, { topic, messageCount: buildings.length }, async () => {
    const messages = await Promise.all(
      buildings.map(async (b) => {
        const event: BuildingRegistered = {
          eventId: randomUUID(),
          occurredAt: at,
          source: 'bdg1-importer',
          buildingId: b.buildingId,
          siteId: null,
          primaryUse: b.primaryUse,
          floorAreaM2: b.floorAreaM2,
          timezone: b.timezone,
          yearBuilt: b.yearBuilt,
          weatherStationId: b.weatherStationId,
        };
        return {
          key: b.buildingId,
          value: await deps.codec.encode('buildings', withTraceContextField(event)),
          headers: injectTraceHeaders(),
        };
      }),
    );
    await deps.producer.send({ topic, acks: -1, messages });
  });
}

/**
 * Produces readings keyed by meter id, so each meter's readings stay in order. One PRODUCER span per
 * send; each message carries its context in `traceparent`/`tracestate` headers and in the event's
 * `traceContext` field.
 */
export async function publishReadings(deps: DemoFeedDeps, readings: readonly SensorReading[]): Promise<void> {
  const topic = deps.names.topic('sensorReadings');
  const tracer = deps.tracer ?? globalTracer();
  await inProducerSpan(tracer, { topic, messageCount: readings.length }, async () => {
    const messages = await Promise.all(
      readings.map(async (r) => ({
        key: r.meterId,
        value: await deps.codec.encode('sensorReadings', withTraceContextField(r)),
        headers: injectTraceHeaders(),
      })),
    );
    await deps.producer.send({ topic, acks: -1, messages });
  });
}

export interface DemoFeed {
  readonly meters: readonly DemoMeter[];
  stop(): Promise<void>;
}

/**
 * The demo: registers the buildings, backfills the last `backfillHours` of hourly readings, then
 * emits one reading per meter every `intervalMs` stamped with the current time.
 */
export async function startDemoFeed(
  deps: DemoFeedDeps,
  buildings: readonly Bdg1Building[],
  { intervalMs = 5_000, backfillHours = 24, clock = () => new Date() } = {},
): Promise<DemoFeed> {
  const meters = demoMeters(buildings);
  const now = clock();
  await publishBuildings(deps, buildings, now);
  const firstHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - backfillHours * HOUR_MS;
  const backfill: SensorReading[] = [];
  for (let t = firstHour; t < now.getTime(); t += HOUR_MS) {
    for (const m of meters) backfill.push(demoReading(m, new Date(t), randomUUID()));
  }
  await publishReadings(deps, backfill);
  deps.logger.info(
    { buildings: buildings.length, meters: meters.length, backfill: backfill.length },
    'demo feed started',
  );

  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const at = clock();
    inFlight = inFlight
      .then(() =>
        publishReadings(
          deps,
          meters.map((m) => demoReading(m, at, randomUUID(), { intervalMs })),
        ),
      )
      .catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'demo feed could not publish; will try next tick'),
      );
  }, intervalMs);
  return {
    meters,
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
