import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { EaioConfig } from '../infra/config/index.ts';
import { createLogger } from '../infra/logging/index.ts';
import { connectPlatform, preparePlatform, runProjector } from '../infra/platform/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { type SensorReading, TOPICS } from '../schemas/index.ts';
import { demoMeters, demoReading, loadBdg1Sample, publishReadings } from '../sources/index.ts';

export interface IngestFigures {
  readonly readings: number;
  readonly meters: number;
  readonly produceEventsPerS: number;
  readonly projectEventsPerS: number;
  readonly rawConsumeEventsPerS: number;
  readonly projectVsRawConsume: number;
  readonly peakRssMiB: number;
}

const HOUR_MS = 3_600_000;

/**
 * Readings produced -> projected into Postgres and Redis, against the raw kafkajs consume rate of
 * the same topic in the same run (the ceiling the projector can approach).
 */
export async function ingestBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<IngestFigures> {
  const { values } = parseArgs({ args: argv, options: { readings: { type: 'string', default: '50000' } } });
  const total = Number(values.readings);
  const id = randomBytes(3).toString('hex');
  const logger = createLogger({ level: config.log.level, component: 'bench' });
  const platform = connectPlatform(
    {
      ...config,
      kafka: { ...config.kafka, topicPrefix: `bench.${id}.` },
      redis: { ...config.redis, keyPrefix: `bench:${id}:` },
      postgres: { ...config.postgres, schema: `bench_${id}` },
    },
    endpoints,
    logger,
  );
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  try {
    await preparePlatform(platform);
    const meters = demoMeters(await loadBdg1Sample());
    const readings: SensorReading[] = [];
    for (let i = 0; readings.length < total; i++) {
      for (const m of meters) {
        if (readings.length < total)
          readings.push(demoReading(m, new Date(Date.UTC(2015, 0, 1) + i * HOUR_MS), crypto.randomUUID()));
      }
    }
    const deps = {
      producer: await platform.producer(),
      codec: platform.codec,
      names: platform.names,
      logger,
    };
    const produceStart = performance.now();
    for (let i = 0; i < readings.length; i += 2_000)
      await publishReadings(deps, readings.slice(i, i + 2_000));
    const produceMs = performance.now() - produceStart;

    const rawStart = performance.now();
    let rawSeen = 0;
    const raw = platform.kafka.consumer({ groupId: `bench.${id}.raw`, maxWaitTimeInMs: 100 });
    await raw.connect();
    await raw.subscribe({ topic: platform.names.topic('sensorReadings'), fromBeginning: true });
    await new Promise<void>((resolve) => {
      void raw.run({
        eachBatch: async ({ batch }) => {
          rawSeen += batch.messages.length;
          if (rawSeen >= total) resolve();
        },
      });
    });
    const rawMs = performance.now() - rawStart;
    await raw.disconnect();

    const projectStart = performance.now();
    const projector = await runProjector(platform);
    for (;;) {
      const { rows } = await platform.pool.query<{ n: string }>('SELECT count(*) AS n FROM readings');
      if (Number(rows[0]?.n) >= total) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const projectMs = performance.now() - projectStart;
    await projector.stop();

    const perS = (n: number, ms: number) => Math.round((n / ms) * 1000);
    return {
      readings: total,
      meters: meters.length,
      produceEventsPerS: perS(total, produceMs),
      projectEventsPerS: perS(total, projectMs),
      rawConsumeEventsPerS: perS(total, rawMs),
      projectVsRawConsume: Math.round((rawMs / projectMs) * 1000) / 1000,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    clearInterval(sampler);
    await platform.pool.query(`DROP SCHEMA IF EXISTS bench_${id} CASCADE`).catch(() => undefined);
    const admin = platform.kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({
        topics: Object.values(TOPICS).flatMap((t) => [
          `bench.${id}.${t.name}`,
          `bench.${id}.${t.deadLetterTopic}`,
        ]),
      })
      .catch(() => undefined);
    await admin.disconnect();
    const keys = await platform.redis.keys(`bench:${id}:*`);
    if (keys.length > 0) await platform.redis.del(...keys.map((k) => k.slice(`bench:${id}:`.length)));
    await platform.close();
  }
}
