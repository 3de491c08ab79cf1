import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { preparePlatform, runProjector } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { HOUR_MS, type SensorReading, TOPICS } from '../schemas/index.ts';
import {
  BDG1_WEATHER_FILES,
  createLocalCalendar,
  loadBdg1Fleet,
  publishReadings,
  simulatedValue,
} from '../sources/index.ts';
import { connectBenchPlatform } from './bench-platform.ts';
import { percentile } from './percentile.ts';

export interface PipelineFigures {
  readonly backlogReadings: number;
  readonly rawConsumeEventsPerS: number;
  readonly backlogProjectEventsPerS: number;
  readonly projectVsRawConsume: number;
  readonly liveTargetEventsPerS: number;
  readonly liveReadings: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencyMaxMs: number;
  readonly peakRssMiB: number;
}

/**
 * Readings -> projector -> Postgres and Redis, in two phases of one run: a backlog (throughput,
 * against the raw kafkajs consume rate of the same topic as the ceiling), then a live phase at a
 * steady produce rate (event-to-projection latency: broker append time to the batch's commit).
 */
export async function pipelineBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<PipelineFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      readings: { type: 'string', default: '50000' },
      rate: { type: 'string', default: '2000' },
      seconds: { type: 'string', default: '10' },
    },
  });
  const total = Number(values.readings);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const id = randomBytes(3).toString('hex');
  const platform = connectBenchPlatform(config, endpoints, id);
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  try {
    await preparePlatform(platform);
    const { meters } = await loadBdg1Fleet(8, 1, new Set(Object.keys(BDG1_WEATHER_FILES)));
    const calendar = createLocalCalendar();
    const deps = {
      producer: await platform.producer(),
      codec: platform.codec,
      names: platform.names,
      logger: platform.logger,
    };
    let hour = 0;
    const nextReadings = (count: number): SensorReading[] => {
      const batch: SensorReading[] = [];
      while (batch.length < count) {
        for (const m of meters) {
          if (batch.length >= count) continue;
          const at = new Date(Date.UTC(2015, 0, 1) + hour * HOUR_MS);
          const input = { local: calendar.at(at, m.timezone), temperatureC: null, intervalMs: HOUR_MS };
          batch.push({
            eventId: randomUUID(),
            occurredAt: at,
            source: 'bench-pipeline',
            buildingId: m.buildingId,
            meterId: m.meterId,
            meterKind: m.meterKind,
            value: simulatedValue(m, at, input, 1),
            unit: m.unit,
          });
        }
        hour += 1;
      }
      return batch;
    };
    for (let i = 0; i < total; i += 2_000)
      await publishReadings(deps, nextReadings(Math.min(2_000, total - i)));

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

    let projected = 0;
    const latencies: number[] = [];
    let measuring = false;
    const projectStart = performance.now();
    const projector = await runProjector(platform, {
      onOutcome: (outcome) => {
        projected += outcome.projected;
        if (measuring) {
          const now = Date.now();
          for (const t of outcome.appendedAt) latencies.push(now - t);
        }
      },
    });
    while (projected < total) await delay(20);
    const projectMs = performance.now() - projectStart;

    // Live phase: a steady rate in 100 ms ticks, timed against the broker's append timestamps.
    measuring = true;
    const perTick = Math.max(1, Math.round(rate / 10));
    const ticks = seconds * 10;
    const liveStart = performance.now();
    for (let tick = 0; tick < ticks; tick++) {
      await publishReadings(deps, nextReadings(perTick));
      const due = liveStart + (tick + 1) * 100;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
    }
    while (projected < total + ticks * perTick) await delay(20);
    await projector.stop();
    latencies.sort((a, b) => a - b);

    const perS = (n: number, ms: number) => Math.round((n / ms) * 1000);
    return {
      backlogReadings: total,
      rawConsumeEventsPerS: perS(total, rawMs),
      backlogProjectEventsPerS: perS(total, projectMs),
      projectVsRawConsume: Math.round((rawMs / projectMs) * 1000) / 1000,
      liveTargetEventsPerS: rate,
      liveReadings: latencies.length,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      latencyMaxMs: latencies.at(-1) ?? Number.NaN,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    clearInterval(sampler);
    // The read models' generations live in schemas named after the main one (bench_<id>_<name>_g<n>).
    const { rows: schemas } = await platform.pool
      .query<{ nspname: string }>(
        "SELECT nspname FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')",
        [`bench_${id}`],
      )
      .catch(() => ({ rows: [] as { nspname: string }[] }));
    for (const { nspname } of schemas) {
      await platform.pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
    }
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
