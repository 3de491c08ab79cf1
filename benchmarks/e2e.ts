import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Admin, Message } from 'kafkajs';
import { type Platform, preparePlatform, projectorGroup } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { PROCESSORS, type ProcessorName } from '../processors/index.ts';
import { TOPICS, type TopicKey } from '../schemas/index.ts';
import { publishReadings } from '../sources/index.ts';
import { connectBenchPlatform } from './bench-platform.ts';
import { cleanUpRun } from './e2e/clean-up.ts';
import { startDelayProxy } from './e2e/delay-proxy.ts';
import { type MarkedReading, startLatencyPoller } from './e2e/latency-poller.ts';
import type { StageInput } from './e2e/partition-lag.ts';
import { nextRateToTry, type RateOutcome } from './e2e/rate-search.ts';
import { rawConsumeRate, rawProduceRate } from './e2e/raw-kafka.ts';
import { formatRssTable, type RssSample, rssTrends } from './e2e/rss-trend.ts';
import { PROBE_ROUND_TRIPS, probeSinkMs, throughProxy } from './e2e/sink-probe.ts';
import {
  drained,
  drainedAt,
  formatLagTable,
  type LagStage,
  maxLagByStage,
  startStageLagSampler,
} from './e2e/stage-lag.ts';
import { type StageProcesses, startStageProcesses } from './e2e/stage-processes.ts';
import { copyReadings, createUnloggedCopyTable } from './raw-copy.ts';
import { createReadingSource } from './reading-source.ts';

export type E2eFigures = Record<string, number | string>;

/** The processors a reading passes through; the weather and control processors never see one. */
const READING_PROCESSORS = [
  'readings-by-building',
  'building-aggregates',
  'reading-aggregates',
  'anomalies',
  'data-quality',
] as const satisfies readonly ProcessorName[];

/** Readings timed per 100 ms tick in the live phases. */
const MARKS_PER_TICK = 5;
const MiB = 2 ** 20;
const progress = (line: string) => process.stderr.write(`e2e: ${line}\n`);
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Every topic some catalogue processor writes: written in transactions. */
const TRANSACTIONAL = new Set<TopicKey>(Object.values(PROCESSORS).map((p) => p.output));

/** The stages as the lag sampler sees them: each processor's group over its input, the projector's over all it folds. */
function lagStages(platform: Platform): LagStage[] {
  const input = (key: TopicKey): StageInput => ({
    topic: platform.names.topic(key),
    transactional: TRANSACTIONAL.has(key),
  });
  const processors = READING_PROCESSORS.map((name) => ({
    name,
    groupId: `${platform.names.prefix}${name}`,
    inputs: [input(PROCESSORS[name].input)],
  }));
  const projector = projectorGroup(platform);
  const byTopic = new Map(
    (Object.keys(TOPICS) as TopicKey[]).map((key) => [platform.names.topic(key), key] as const),
  );
  return [
    ...processors,
    {
      name: 'projector',
      groupId: projector.groupId,
      inputs: (projector.topics ?? []).map((topic) => input(byTopic.get(topic) as TopicKey)),
    },
  ];
}

/** Polls `check` until it holds; false when `deadline` (performance.now) passes first. */
async function until(
  check: () => boolean | Promise<boolean>,
  deadline: number,
  what: string,
  stages?: StageProcesses,
) {
  while (!(await check())) {
    const failure = stages?.failure();
    if (failure !== undefined) throw new Error(failure);
    if (performance.now() > deadline) {
      progress(`gave up waiting for ${what}`);
      return false;
    }
    await delay(50);
  }
  return true;
}

/** The stages' RSS samples in seconds since `runStarted` (performance.now ms). */
const rssSamplesOf = (stages: StageProcesses, runStarted: number): RssSample[] =>
  stages.rssSamples().map((s) => ({ atS: (s.atMs - runStarted) / 1000, stage: s.stage, bytes: s.bytes }));

async function groupsStable(admin: Admin, groupIds: readonly string[]): Promise<number> {
  const { groups } = await admin.describeGroups([...groupIds]);
  return groups.filter((g) => g.state === 'Stable').length;
}

/**
 * `npm run bench -- e2e`: readings through every reading processor and the projector, each stage in
 * its own process, in one run: a backlog (readings/s fully processed against the raw consume,
 * produce and COPY ceilings measured in the same run), then live phases at fixed rates
 * (event-to-Redis and event-to-Postgres latency, whether the rate held), with per-stage lag over time
 * and peak RSS per process. `--clean-up ID` removes what a killed run left.
 */
export async function e2eBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<E2eFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      readings: { type: 'string', default: '50000' },
      rates: { type: 'string', default: '2000,10000' },
      seconds: { type: 'string', default: '10' },
      'timeout-seconds': { type: 'string', default: '420' },
      buildings: { type: 'string', default: '50' },
      'search-steps': { type: 'string', default: '2' },
      'sink-slowdown': { type: 'string', default: '1' },
      'rss-every-seconds': { type: 'string', default: '30' },
      'clean-up': { type: 'string' },
    },
  });
  if (values['clean-up'] !== undefined) {
    const report = await cleanUpRun(endpoints, values['clean-up']);
    return { cleanedUp: values['clean-up'], ...report };
  }
  const total = Number(values.readings);
  const rates = values.rates.split(',').map(Number);
  const seconds = Number(values.seconds);
  const deadline = performance.now() + Number(values['timeout-seconds']) * 1000;
  const id = randomBytes(3).toString('hex');
  progress(`run ${id} (if killed: npm run bench -- e2e --clean-up ${id})`);

  const platform = connectBenchPlatform(config, endpoints, id);
  const admin = platform.kafka.admin();
  let stages: StageProcesses | undefined;
  let sinkProxy: Awaited<ReturnType<typeof startDelayProxy>> | undefined;
  const onSignal = () => {
    progress(`interrupted; cleaning up run ${id}`);
    void (async () => {
      await stages?.stop(2_000).catch(() => undefined);
      await sinkProxy?.close().catch(() => undefined);
      await cleanUpRun(endpoints, id).catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const figures: E2eFigures = { runId: id, readings: total };
  try {
    await admin.connect();
    await preparePlatform(platform);
    const readings = await createReadingSource(Number(values.buildings), 'bench-e2e');
    const nextReadings = (count: number) => readings.next(count);
    const deps = {
      producer: await platform.producer(),
      codec: platform.codec,
      names: platform.names,
      logger: platform.logger,
    };
    const readingsTopic = platform.names.topic('sensorReadings');

    // Backlog, produced by the product's own producer path.
    const backlog = nextReadings(total);
    let started = performance.now();
    for (let at = 0; at < total; at += 2_000) await publishReadings(deps, backlog.slice(at, at + 2_000));
    figures.backlogProducePerS = Math.round(total / ((performance.now() - started) / 1000));

    // Ceilings of the same run, with no stage running: raw consume of the backlog, raw produce of the
    // same readings already encoded, raw COPY of as many rows into an unlogged table.
    figures.rawConsumePerS = Math.round(
      await rawConsumeRate(platform.kafka, `bench.${id}.raw-consume`, readingsTopic, total),
    );
    const rawTopic = `bench.${id}.raw-produce`;
    await admin.createTopics({
      topics: [{ topic: rawTopic, numPartitions: TOPICS.sensorReadings.partitions }],
      waitForLeaders: true,
    });
    const encoded: Message[] = [];
    for (const r of backlog)
      encoded.push({ key: r.meterId, value: await platform.codec.encode('sensorReadings', r) });
    figures.rawProducePerS = Math.round(await rawProduceRate(deps.producer, rawTopic, encoded));
    encoded.length = 0;
    const client = await platform.pool.connect();
    try {
      await createUnloggedCopyTable(client, 'raw_copy_readings');
      figures.rawCopyRowsPerS = Math.round(
        total / (await copyReadings(client, 'raw_copy_readings', backlog)),
      );
      await client.query('DROP TABLE raw_copy_readings');
    } finally {
      client.release();
    }
    progress(
      `ceilings: consume ${figures.rawConsumePerS}/s, produce ${figures.rawProducePerS}/s, COPY ${figures.rawCopyRowsPerS} rows/s`,
    );

    // Every stage in its own process, on this run's slice of the stack.
    const lag = lagStages(platform);
    // At most one stray offset per partition of a transactional input may remain, if it stops moving.
    const partitionsOf = new Map(
      (Object.keys(TOPICS) as TopicKey[]).map(
        (k) => [platform.names.topic(k), TOPICS[k].partitions] as const,
      ),
    );
    const residual = Object.fromEntries(
      lag.map((s) => [
        s.name,
        s.inputs.filter((i) => i.transactional).reduce((n, i) => n + (partitionsOf.get(i.topic) ?? 0), 0),
      ]),
    );
    const env = {
      EAIO_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      EAIO_REGISTRY_URL: endpoints.registryUrl,
      EAIO_REDIS_URL: endpoints.redisUrl,
      EAIO_POSTGRES_URL: endpoints.postgresUrl,
      EAIO_KAFKA_TOPIC_PREFIX: platform.names.prefix,
      EAIO_POSTGRES_SCHEMA: platform.config.postgres.schema,
      EAIO_REDIS_KEY_PREFIX: platform.config.redis.keyPrefix,
      EAIO_LOG_LEVEL: 'warn',
    };
    // A slowed sink: the projector reaches Postgres through a loopback proxy that delays every chunk
    // both ways, calibrated so a transaction shaped like a projector batch takes `--sink-slowdown`
    // times as long as directly; the latency pollers still read Postgres directly.
    const slowdown = Number(values['sink-slowdown']);
    let projectorEnv: Record<string, string> = {};
    if (slowdown > 1) {
      const directMs = await probeSinkMs(endpoints.postgresUrl);
      const delayMs = Math.max(1, Math.round(((slowdown - 1) * directMs) / (2 * PROBE_ROUND_TRIPS)));
      const pgUrl = new URL(endpoints.postgresUrl);
      sinkProxy = await startDelayProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) }, delayMs);
      const proxiedUrl = throughProxy(endpoints.postgresUrl, sinkProxy);
      const proxiedMs = await probeSinkMs(proxiedUrl);
      figures.sinkProbeDirectMs = round(directMs, 1);
      figures.sinkDelayMs = delayMs;
      figures.sinkProbeProxiedMs = round(proxiedMs, 1);
      figures.sinkSlowdown = round(proxiedMs / directMs, 1);
      projectorEnv = { EAIO_POSTGRES_URL: proxiedUrl };
      progress(
        `sink slowed: ${delayMs} ms each way; probe transaction ${figures.sinkProbeDirectMs} ms direct, ${figures.sinkProbeProxiedMs} ms through the proxy (x${figures.sinkSlowdown})`,
      );
    }
    const runStarted = performance.now();
    const sampler = startStageLagSampler(admin, lag, { startedAt: runStarted });
    sampler.phase = 'backlog';
    started = performance.now();
    stages = await startStageProcesses(
      id,
      [
        ...READING_PROCESSORS.map((name) => ({ name, args: ['process', name] })),
        { name: 'projector', args: ['project'], env: projectorEnv },
      ],
      env,
    );
    const running = stages;
    const groupIds = lag.map((s) => s.groupId);
    await until(async () => (await groupsStable(admin, groupIds)) > 0, deadline, 'a stage to join', running);
    const consuming = performance.now();
    figures.stageFirstJoinS = round((consuming - started) / 1000, 1);
    await until(
      async () => (await groupsStable(admin, groupIds)) === groupIds.length,
      deadline,
      'every stage to join',
      running,
    );
    figures.stageStartupS = round((performance.now() - started) / 1000, 1);
    const backlogDone = await until(
      () =>
        drained(
          sampler.samples.filter((s) => s.phase === 'backlog'),
          residual,
        ),
      deadline,
      'the backlog',
      running,
    );
    const idleAtS = drainedAt(
      sampler.samples.filter((s) => s.phase === 'backlog'),
      residual,
    );
    const drainedAtMs = runStarted + (idleAtS ?? (performance.now() - runStarted) / 1000) * 1000;
    const backlogS = (drainedAtMs - consuming) / 1000;
    figures.backlogDrained = backlogDone ? 'yes' : 'no';
    figures.backlogFromSpawnS = round((drainedAtMs - started) / 1000, 1);
    figures.backlogS = round(backlogS, 1);
    figures.backlogReadingsPerS = Math.round(total / backlogS);
    figures.e2eVsRawConsume = round(total / backlogS / Number(figures.rawConsumePerS), 3);
    progress(
      `backlog: ${figures.backlogReadingsPerS} readings/s fully processed (${figures.e2eVsRawConsume} of raw consume)`,
    );
    for (const [stage, max] of Object.entries(maxLagByStage(sampler.samples, 'backlog')))
      figures[`backlogMaxLag_${stage}`] = max;

    // Live phases: a fixed rate in 100 ms ticks, marked readings timed to Redis and to Postgres.
    const poller = startLatencyPoller(platform.redis, platform.pool);
    try {
      const queue = [...rates];
      let searches = Number(values['search-steps']);
      const tried: RateOutcome[] = [];
      for (;;) {
        if (performance.now() > deadline) break;
        let rate = queue.shift();
        if (rate === undefined && searches > 0) {
          searches -= 1;
          rate = nextRateToTry(tried);
          if (rate !== undefined) progress(`searching for the highest rate held: trying ${rate}/s`);
        }
        if (rate === undefined) break;
        const phase = `live${rate}`;
        sampler.phase = phase;
        const perTick = Math.max(1, Math.round(rate / 10));
        const ticks = seconds * 10;
        let produced = 0;
        const liveStart = performance.now();
        for (let tick = 0; tick < ticks; tick++) {
          const batch = nextReadings(perTick);
          const sentAtMs = Date.now();
          const step = Math.max(1, Math.floor(batch.length / MARKS_PER_TICK));
          const marks: MarkedReading[] = [];
          for (let i = step - 1; i < batch.length; i += step) {
            const r = batch[i];
            if (r !== undefined)
              marks.push({ meterId: r.meterId, occurredAtMs: r.occurredAt.getTime(), sentAtMs });
          }
          poller.add(marks);
          await publishReadings(deps, batch);
          produced += batch.length;
          const wait = liveStart + (tick + 1) * 100 - performance.now();
          if (wait > 0) await delay(wait);
        }
        const produceEnd = performance.now();
        // RSS per process over a long phase: start, peak, end and slope, while the load was on.
        if (seconds >= 60) {
          const fromS = (liveStart - runStarted) / 1000;
          for (const [stage, t] of Object.entries(
            rssTrends(rssSamplesOf(running, runStarted), fromS, (produceEnd - runStarted) / 1000),
          )) {
            figures[`${phase}RssStartMiB_${stage}`] = t.startMiB;
            figures[`${phase}RssPeakMiB_${stage}`] = t.peakMiB;
            figures[`${phase}RssEndMiB_${stage}`] = t.endMiB;
            figures[`${phase}RssSlopeMiBPerMin_${stage}`] = t.slopeMiBPerMin;
            figures[`${phase}RssLateSlopeMiBPerMin_${stage}`] = t.lateSlopeMiBPerMin;
          }
        }
        const producedPerS = produced / ((produceEnd - liveStart) / 1000);
        const endAtS = (produceEnd - runStarted) / 1000;
        // Held: the rate went out, and every stage was back at the end of its input soon after the
        // last tick. A pipeline with capacity C below the rate R ends the phase (R - C) * T behind and
        // needs (R - C) * T / C to drain; 0.3 T (3 s at least, for the stages' own latency) passes
        // only C >= R / 1.3, where 10 s would pass C >= R / 2.
        const bound = produceEnd + Math.max(3, 0.3 * seconds) * 1000;
        const isDrained = () =>
          drained(
            sampler.samples.filter((s) => s.atS >= endAtS),
            residual,
          ) && poller.pending() === 0;
        const drainedInBound = await until(
          isDrained,
          Math.min(bound, deadline),
          `${phase} to drain`,
          running,
        );
        if (!drainedInBound) await until(isDrained, deadline, `${phase} to drain`, running);
        const latencies = poller.take();
        figures[`${phase}ProducedPerS`] = Math.round(producedPerS);
        const held = drainedInBound && producedPerS >= 0.95 * rate;
        tried.push({ rate, held });
        figures[`${phase}Held`] = held ? 'yes' : 'no';
        figures[`${phase}DrainS`] = round((performance.now() - produceEnd) / 1000, 1);
        figures[`${phase}Marks`] = latencies.redis.count;
        figures[`${phase}RedisP50Ms`] = latencies.redis.p50Ms;
        figures[`${phase}RedisP99Ms`] = latencies.redis.p99Ms;
        figures[`${phase}RedisMaxMs`] = latencies.redis.maxMs;
        figures[`${phase}PostgresP50Ms`] = latencies.postgres.p50Ms;
        figures[`${phase}PostgresP99Ms`] = latencies.postgres.p99Ms;
        figures[`${phase}PostgresMaxMs`] = latencies.postgres.maxMs;
        if (latencies.redisUnseen + latencies.postgresUnseen > 0)
          figures[`${phase}Unseen`] = `redis ${latencies.redisUnseen}, postgres ${latencies.postgresUnseen}`;
        for (const [stage, max] of Object.entries(maxLagByStage(sampler.samples, phase)))
          figures[`${phase}MaxLag_${stage}`] = max;
        progress(
          `${phase}: produced ${figures[`${phase}ProducedPerS`]}/s, held ${figures[`${phase}Held`]}, ` +
            `Redis p99 ${latencies.redis.p99Ms} ms, Postgres p99 ${latencies.postgres.p99Ms} ms`,
        );
      }
    } finally {
      await poller.stop();
      await sampler.stop();
    }
    const held = Object.keys(figures)
      .filter((k) => /^live\d+Held$/.test(k) && figures[k] === 'yes')
      .map((k) => Number(k.slice('live'.length, -'Held'.length)));
    figures.highestHeldRate = held.length === 0 ? 0 : Math.max(...held);
    process.stderr.write(`\nlag per stage over time (offsets behind; trailing commit markers excluded)\n`);
    process.stderr.write(
      `${formatLagTable(
        sampler.samples,
        lag.map((s) => s.name),
      )}\n\n`,
    );

    process.stderr.write(`RSS per stage over time (MiB; the largest process of each stage's tree)\n`);
    process.stderr.write(
      `${formatRssTable(
        rssSamplesOf(running, runStarted),
        lag.map((s) => s.name),
        0,
        (performance.now() - runStarted) / 1000,
        Number(values['rss-every-seconds']),
      )}\n\n`,
    );
    await running.stop();
    stages = undefined;
    for (const [stage, bytes] of Object.entries(running.peakRss()))
      figures[`peakRssMiB_${stage}`] = Math.round(bytes / MiB);
    figures.peakRssMiB_bench = Math.round((process.resourceUsage().maxRSS * 1024) / MiB);
    return figures;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stages?.stop(5_000).catch(() => undefined);
    await sinkProxy?.close().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await platform.close().catch(() => undefined);
    const report = await cleanUpRun(endpoints, id).catch((error: unknown) => {
      progress(`clean-up of ${id} failed (${String(error)}); run: npm run bench -- e2e --clean-up ${id}`);
      return undefined;
    });
    if (report !== undefined) progress(`cleaned up: ${JSON.stringify(report)}`);
  }
}
