import type { Redis } from 'ioredis';
import type { Consumer, KafkaMessage } from 'kafkajs';
import type pg from 'pg';
import { catchError, concatMap, defer, EMPTY, map, type Observable } from 'rxjs';
import { EaioError, isTransient } from '../../infra/errors/index.ts';
import type { Logger } from '../../infra/logging/index.ts';
import {
  type DeadLetter,
  type DeadLetterPublisher,
  deadLetterOf,
  kafkaBatches,
  type PartitionBatch,
  validateReading,
  withRetry,
} from '../../processors/index.ts';
import type {
  BuildingRegistered,
  EventCodec,
  SensorReading,
  TopicKey,
  TopicNames,
} from '../../schemas/index.ts';
import { writeBuildings } from '../buildings/index.ts';
import type { Positioned } from '../positioned-event.ts';
import { writeLatestReadings, writeReadings } from '../readings/index.ts';

export interface ProjectorDeps {
  readonly consumer: Consumer;
  readonly codec: EventCodec;
  readonly deadLetters: DeadLetterPublisher;
  readonly names: TopicNames;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly logger: Logger;
}

/** What one handled batch did; emitted so callers (tests, metrics, the CLI) can follow progress. */
export interface BatchOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly projected: number;
  readonly deadLettered: number;
  readonly lastOffset: string;
  /** Broker append times (ms) of the batch's messages, for event-to-projection latency. */
  readonly appendedAt: readonly number[];
}

type Decoded<T> = { ok: true; value: Positioned<T> } | { ok: false; letter: DeadLetter };

const SINK_RETRY = { attempts: 6, baseDelayMs: 100, maxDelayMs: 3_000 } as const;

function sinkUnavailable(error: unknown, sink: string): EaioError {
  return new EaioError('SINK_UNAVAILABLE', 'transient', `${sink} write failed: ${(error as Error).message}`, {
    cause: error,
    context: { sink },
  });
}

/**
 * The walking skeleton's projector: folds the buildings and sensor-readings topics into Postgres
 * (buildings, readings, latest_readings) and Redis (latest value per meter). Per partition batch:
 * decode and validate every message, dead-letter the poison ones, write the rest to Postgres in one
 * transaction and to Redis, and only then ack, so offsets are committed after both writes.
 */
export function createProjector(deps: ProjectorDeps): Observable<BatchOutcome> {
  const { codec, names, logger } = deps;
  const topics = [names.topic('buildings'), names.topic('sensorReadings')];

  async function decodeOne<T>(
    key: TopicKey,
    batch: PartitionBatch,
    message: KafkaMessage,
    validate: (value: T) => T,
  ): Promise<Decoded<T>> {
    const letter = (error: unknown, stage: string): Decoded<T> => ({
      ok: false,
      letter: deadLetterOf(batch, message, error, stage),
    });
    let value: T;
    try {
      value = (await withRetry(() => codec.decode(key, message.value), SINK_RETRY)).value as T;
    } catch (error) {
      if (isTransient(error)) throw error;
      return letter(error, 'decode');
    }
    try {
      return {
        ok: true,
        value: { event: validate(value), partition: batch.partition, offset: message.offset },
      };
    } catch (error) {
      return letter(error, 'validate');
    }
  }

  async function project<T>(
    key: TopicKey,
    batch: PartitionBatch,
    validate: (value: T) => T,
    write: (client: pg.PoolClient, events: readonly Positioned<T>[]) => Promise<void>,
    writeRedis?: (events: readonly Positioned<T>[]) => Promise<unknown>,
  ): Promise<BatchOutcome> {
    const decoded = await Promise.all(batch.messages.map((m) => decodeOne(key, batch, m, validate)));
    const events = decoded.flatMap((d) => (d.ok ? [d.value] : []));
    const letters = decoded.flatMap((d) => (d.ok ? [] : [d.letter]));
    if (letters.length > 0) {
      await deps.deadLetters.publish(names.deadLetter(key), letters);
      for (const l of letters) {
        logger.warn(
          {
            topic: l.sourceTopic,
            partition: l.sourcePartition,
            offset: l.message.offset,
            stage: l.stage,
            // A poison event is an expected outcome, not a crash: its code and reason, no stack.
            code: l.error instanceof EaioError ? l.error.code : 'UNCLASSIFIED',
            reason: l.error instanceof Error ? l.error.message : String(l.error),
          },
          'event dead-lettered',
        );
      }
    }
    // Each step may take a while under load (retries included): keep the group membership alive.
    await batch.heartbeat();
    await withRetry(async () => {
      const client = await deps.pool.connect().catch((error: unknown) => {
        throw sinkUnavailable(error, 'postgres');
      });
      try {
        await client.query('BEGIN');
        await write(client, events);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw sinkUnavailable(error, 'postgres');
      } finally {
        client.release();
      }
    }, SINK_RETRY);
    await batch.heartbeat();
    if (writeRedis) {
      await withRetry(
        () =>
          writeRedis(events).catch((error: unknown) => {
            throw sinkUnavailable(error, 'redis');
          }),
        SINK_RETRY,
      );
    }
    return {
      topic: batch.topic,
      partition: batch.partition,
      projected: events.length,
      deadLettered: letters.length,
      lastOffset: batch.messages.at(-1)?.offset ?? '-1',
      appendedAt: batch.messages.map((m) => Number(m.timestamp)),
    };
  }

  function handle(batch: PartitionBatch): Promise<BatchOutcome> {
    const key = names.keyOf(batch.topic);
    switch (key) {
      case 'sensorReadings':
        return project<SensorReading>(key, batch, validateReading, writeReadings, (events) =>
          writeLatestReadings(deps.redis, events),
        );
      case 'buildings':
        return project<BuildingRegistered>(key, batch, (b) => b, writeBuildings);
      default:
        return Promise.reject(new Error(`No projection handles topic ${batch.topic}`));
    }
  }

  return kafkaBatches(deps.consumer, { topics }).pipe(
    concatMap((batch) =>
      defer(() => handle(batch)).pipe(
        map((outcome) => {
          batch.ack();
          return outcome;
        }),
        catchError((error: unknown) => {
          // Not committed: kafkajs redelivers the batch after restarting the consumer.
          logger.error(
            { topic: batch.topic, partition: batch.partition, err: error },
            'batch failed; will be redelivered',
          );
          batch.nack(error);
          return EMPTY;
        }),
      ),
    ),
  );
}
