import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Message } from 'kafkajs';
import type pg from 'pg';
import { type Platform, preparePlatform, runProjector } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import { EaioError } from '../infra/errors/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import {
  PROCESSORS,
  type ProcessorName,
  type RunningProcessor,
  runNamedProcessor,
} from '../processors/index.ts';
import {
  activeBuildingSummaryKeyspace,
  buildingTag,
  createQueryLayer,
  createToolResultCache,
  PROJECTIONS,
  queryAnomalies,
  queryBenchmark,
  queryConsumption,
  queryDataQualityReport,
  queryWeatherNormalised,
  readBuildingSummary,
  readLatestReadings,
} from '../projections/index.ts';
import { HOUR_MS, TOPICS, type TopicKey, type TopicValue } from '../schemas/index.ts';
import { createFleet, readingsHour, seededRandom, weatherHour } from './bdg2-fleet.ts';
import { connectBenchPlatform } from './bench-platform.ts';
import { percentile } from './percentile.ts';
import { activeProjectionOffsets } from './projection-offsets.ts';
import { groupAtEnd, highWaterMarks } from './topic-ends.ts';

/** Flat figures, so the run's table and JSON line list them one per row. */
export type QueriesFigures = Record<string, number | string>;

/** Messages per producer send: big enough to amortise the round trip, small enough to stay well under the broker's request limit. */
const SEND_CHUNK = 6_000;
/** Processors whose output the query layer reads; building-aggregates is left out (no query reads building-scope rollups). */
export const DEFAULT_PROCESSORS: readonly ProcessorName[] = [
  'reading-aggregates',
  'anomalies',
  'data-quality',
];

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function progress(line: string): void {
  process.stderr.write(`[queries] ${line}\n`);
}

/**
 * Polls `probe` until it reports done; fails when its progress figure has not moved for `stallMs`
 * (a crashed processor never catches up): a deadline on progress, not a sleep standing in for readiness.
 */
async function until(
  what: string,
  probe: () => Promise<{ done: boolean; progress: bigint }>,
  stallMs = 300_000,
): Promise<void> {
  let last = -1n;
  let movedAt = Date.now();
  for (;;) {
    const { done, progress: now } = await probe();
    if (done) return;
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new EaioError(
        'SOURCE_LAGGING',
        'transient',
        `no progress for ${stallMs} ms waiting for ${what}`,
        {
          context: { what, progress: String(now) },
        },
      );
    }
    await delay(250);
  }
}

async function send<K extends TopicKey>(
  platform: Platform,
  key: K,
  events: readonly TopicValue<K>[],
  keyOf: (e: TopicValue<K>) => string,
): Promise<void> {
  const producer = await platform.producer();
  for (let at = 0; at < events.length; at += SEND_CHUNK) {
    const messages: Message[] = await Promise.all(
      events
        .slice(at, at + SEND_CHUNK)
        .map(async (e) => ({ key: keyOf(e), value: await platform.codec.encode(key, e) })),
    );
    await producer.send({ topic: platform.names.topic(key), acks: -1, messages });
  }
}

interface LoadFigures {
  readonly [name: string]: number | string;
}

/**
 * Produces the fleet's registrations, hourly weather (straight to weather-hourly) and readings, hour
 * by hour as a live fleet would deliver them; returns the produce figures.
 */
export async function produceFleet(
  platform: Platform,
  options: { buildings: number; meters: number; days: number; seed: number },
): Promise<LoadFigures> {
  const endMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const fleet = createFleet({ ...options, endMs });
  const random = seededRandom(options.seed + 1);
  await send(
    platform,
    'buildings',
    fleet.buildings.map((b) => b.registration),
    (b) => b.buildingId,
  );
  const started = performance.now();
  let readings = 0;
  let weather = 0;
  let pending: TopicValue<'sensorReadings'>[] = [];
  let pendingWeather: TopicValue<'weatherHourly'>[] = [];
  for (let h = 0; h < fleet.hours; h++) {
    const hourMs = fleet.startMs + h * HOUR_MS;
    const hourly = weatherHour(fleet, hourMs, random);
    pendingWeather.push(...hourly);
    const temperatures = new Map(hourly.map((w) => [w.stationId, w.temperatureC ?? 15]));
    pending.push(...readingsHour(fleet, hourMs, temperatures, random));
    const last = h === fleet.hours - 1;
    if (pending.length >= SEND_CHUNK || last) {
      await send(platform, 'sensorReadings', pending, (r) => r.meterId);
      readings += pending.length;
      pending = [];
    }
    if (h % 24 === 23 || last) {
      await send(platform, 'weatherHourly', pendingWeather, (w) => w.stationId);
      weather += pendingWeather.length;
      pendingWeather = [];
      progress(`produced ${Math.ceil((h + 1) / 24)}/${options.days} days: ${readings} readings`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    buildings: fleet.buildings.length,
    meters: fleet.meters.length,
    sites: fleet.sites.length,
    days: options.days,
    readings,
    weatherHours: weather,
    injectedAnomalies: fleet.injected.anomalies,
    injectedSpikes: fleet.injected.spikes,
    injectedGaps: fleet.injected.gaps,
    produceSeconds: round(seconds),
    produceReadingsPerS: Math.round(readings / seconds),
  };
}

/** Input and output of a single-input catalogue processor (the only kind this benchmark runs). */
function singleInput(name: ProcessorName): { input: TopicKey; output: TopicKey } {
  const definition = PROCESSORS[name];
  if (!('input' in definition)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `--processors: ${name} reads several inputs; pick single-input processors`,
      {
        context: { name },
      },
    );
  }
  return { input: definition.input, output: definition.output };
}

/** Whether `groupId` has committed up to the high-water mark of every partition of `topic`, and how far it is. */
async function groupCaughtUp(
  platform: Platform,
  groupId: string,
  topic: string,
): Promise<{ done: boolean; progress: bigint }> {
  const ends = await highWaterMarks(platform, topic);
  const { done, position } = await groupAtEnd(platform, groupId, topic, ends, false);
  return { done, progress: position };
}

/**
 * Runs the processors and the live projector until the read models hold the whole log: each
 * processor's committed offsets reach its input's end, then every active projection's stored offsets
 * reach the end of each topic written without transactions (ours), and the projector has read past
 * the end of each processor output. Processor outputs are transactional, so they end with a commit
 * marker that no stored offset (last event + 1) ever reaches; the projector acknowledges a batch only
 * after its rows and offsets committed, so reading past the marker means the events before it are in.
 */
export async function catchUp(
  platform: Platform,
  processors: readonly ProcessorName[],
): Promise<LoadFigures> {
  const started = performance.now();
  const positions = new Map<string, bigint>();
  let projected = 0;
  const running: RunningProcessor[] = [];
  const projector = await runProjector(platform, {
    onOutcome: (outcome) => {
      projected += outcome.projected;
    },
    onPosition: (position) => positions.set(`${position.topic}/${position.partition}`, position.next),
  });
  const figures: Record<string, number> = {};
  try {
    for (const name of processors) {
      running.push(
        await runNamedProcessor(
          {
            kafka: platform.kafka,
            codec: platform.codec,
            names: platform.names,
            logger: platform.logger,
            sessionTimeoutMs: platform.config.kafka.sessionTimeoutMs,
          },
          name,
        ),
      );
    }
    const ticker = setInterval(() => progress(`catching up: ${projected} events projected`), 15_000);
    try {
      await Promise.all(
        running.map(async (r, i) => {
          const name = processors[i] as ProcessorName;
          const input = platform.names.topic(singleInput(name).input);
          await until(`${name} caught up`, () => groupCaughtUp(platform, r.groupId, input));
          figures[`processor_${name}_S`] = round((performance.now() - started) / 1000);
          progress(`${name} caught up after ${figures[`processor_${name}_S`]} s`);
        }),
      );
      const outputs = new Set<string>(processors.map((p) => platform.names.topic(singleInput(p).output)));
      const topics = [...new Set(PROJECTIONS.flatMap((p) => p.handles as readonly TopicKey[]))].map((k) =>
        platform.names.topic(k),
      );
      const ends = new Map(
        await Promise.all(topics.map(async (t) => [t, await highWaterMarks(platform, t)] as const)),
      );
      const handlers = (topic: string) =>
        PROJECTIONS.filter((p) =>
          (p.handles as readonly TopicKey[]).some((k) => platform.names.topic(k) === topic),
        ).map((p) => p.name);
      await until('projections at the end of every topic', async () => {
        const stored = await activeProjectionOffsets(platform.pool);
        let done = true;
        for (const [topic, partitions] of ends) {
          for (const [partition, end] of partitions) {
            if (outputs.has(topic)) {
              if ((positions.get(`${topic}/${partition}`) ?? 0n) < end) done = false;
            } else {
              for (const name of handlers(topic)) {
                if ((stored.get(`${name}/${topic}/${partition}`) ?? 0n) < end) done = false;
              }
            }
          }
        }
        return { done, progress: BigInt(projected) };
      });
    } finally {
      clearInterval(ticker);
    }
    const seconds = (performance.now() - started) / 1000;
    figures.projectorCatchUpS = round(seconds);
    figures.projectedEvents = projected;
    figures.projectedEventsPerS = Math.round(projected / seconds);
    return figures;
  } finally {
    await projector.stop();
    for (const r of running) await r.stop();
  }
}

export async function rowCounts(platform: Platform): Promise<LoadFigures> {
  const { rows } = await platform.pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM buildings) AS buildings,
            (SELECT count(*) FROM readings) AS readings,
            (SELECT count(*) FROM latest_readings) AS latest_readings,
            (SELECT count(*) FROM rollups WHERE window_size = 'PT15M') AS rollups_15m,
            (SELECT count(*) FROM rollups WHERE window_size = 'PT1H') AS rollups_1h,
            (SELECT count(*) FROM rollups WHERE window_size = 'P1D') AS rollups_1d,
            (SELECT count(*) FROM weather_hourly) AS weather_hourly,
            (SELECT count(*) FROM anomalies) AS anomalies,
            (SELECT count(*) FROM data_quality_issues) AS data_quality_issues`,
  );
  let redisKeys = 0;
  const prefix = platform.config.redis.keyPrefix;
  for await (const keys of platform.redis.scanStream({ match: `${prefix}*`, count: 1_000 })) {
    redisKeys += (keys as string[]).length;
  }
  return {
    ...Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [`rows_${k}`, Number(v)])),
    redisKeys,
  };
}

/** One query under test: how to draw its arguments and how to call it. */
interface QuerySpec {
  readonly name: string;
  /** Tool-result cache category (its TTL). */
  readonly category: 'sensors' | 'weather';
  readonly args: () => Record<string, unknown>;
  /** Through the query layer (or the Redis reader), as the MCP adapter calls it. */
  readonly call: (args: Record<string, unknown>) => Promise<unknown>;
  /** The bare SQL function, for EXPLAIN; absent for Redis reads. */
  readonly sql?: (db: pg.ClientBase, args: Record<string, unknown>) => Promise<unknown>;
}

interface Timing {
  readonly calls: number;
  readonly errors: number;
  readonly sorted: number[];
  /** Arguments of the slowest call. */
  readonly slowest: Record<string, unknown>;
}

async function time(
  argsList: readonly Record<string, unknown>[],
  call: (args: Record<string, unknown>) => Promise<unknown>,
): Promise<Timing> {
  const ms: number[] = [];
  let errors = 0;
  let slowest = argsList[0] ?? {};
  let worst = -1;
  for (const args of argsList) {
    const t0 = performance.now();
    try {
      await call(args);
    } catch (error) {
      // A refusal (e.g. too few samples to fit) is an answer the agent gets: timed, and counted.
      if (!(error instanceof EaioError)) throw error;
      errors += 1;
    }
    const elapsed = performance.now() - t0;
    ms.push(elapsed);
    if (elapsed > worst) {
      worst = elapsed;
      slowest = args;
    }
  }
  return { calls: ms.length, errors, sorted: ms.sort((a, b) => a - b), slowest };
}

/** The data's extent and buildings, read back from the read models (so `--reuse` needs no fleet). */
async function dataExtent(
  platform: Platform,
): Promise<{ buildings: string[]; fromMs: number; toMs: number }> {
  const buildings = (
    await platform.pool.query<{ building_id: string }>('SELECT building_id FROM buildings ORDER BY 1')
  ).rows.map((r) => r.building_id);
  const { rows } = await platform.pool.query<{ first: Date | null; last: Date | null }>(
    "SELECT min(window_start) AS first, max(window_end) AS last FROM rollups WHERE window_size = 'PT1H'",
  );
  const first = rows[0]?.first;
  const last = rows[0]?.last;
  if (buildings.length === 0 || !first || !last) {
    throw new EaioError('INVALID_ARGUMENT', 'permanent', 'no buildings or hourly rollups to query', {
      context: { schema: platform.config.postgres.schema },
    });
  }
  return { buildings, fromMs: first.getTime(), toMs: last.getTime() };
}

function querySpecs(
  platform: Platform,
  extent: Awaited<ReturnType<typeof dataExtent>>,
  seed: number,
): QuerySpec[] {
  const random = seededRandom(seed);
  const queries = createQueryLayer({ pool: platform.pool, redis: platform.redis });
  const { redis } = platform;
  const building = () => extent.buildings[Math.floor(random() * extent.buildings.length)] as string;
  const spanHours = Math.floor((extent.toMs - extent.fromMs) / HOUR_MS);
  /** A range of one day to one month (never more than the data), on hours, inside the data. */
  const range = (minHours = 24) => {
    const longest = Math.min(31 * 24, spanHours);
    const shortest = Math.min(minHours, longest);
    const hours = shortest + Math.floor(random() * (longest - shortest + 1));
    const from = extent.fromMs + Math.floor(random() * (spanHours - hours + 1)) * HOUR_MS;
    return { from: new Date(from), to: new Date(from + hours * HOUR_MS) };
  };
  const asDates = (a: Record<string, unknown>) => ({
    ...a,
    from: a.from === undefined ? undefined : new Date(a.from as string | Date),
    to: a.to === undefined ? undefined : new Date(a.to as string | Date),
  });
  type Q<T> = T & Record<string, unknown>;
  const consumption = (bucket: '1h' | '1d'): QuerySpec => ({
    name: `consumption ${bucket}`,
    category: 'sensors',
    args: () => ({ buildingId: building(), ...range(), bucket }),
    call: (a) => queries.consumption(a as Q<Parameters<typeof queries.consumption>[0]>),
    sql: (db, a) => queryConsumption(db, a as Q<Parameters<typeof queryConsumption>[1]>),
  });
  return [
    {
      name: 'latest readings (Redis)',
      category: 'sensors',
      args: () => ({ buildingId: building() }),
      call: (a) => readLatestReadings(redis, a.buildingId as string),
    },
    {
      name: 'building summary (Redis)',
      category: 'sensors',
      args: () => ({ buildingId: building() }),
      call: async (a) => {
        const keyspace = await activeBuildingSummaryKeyspace(redis);
        return keyspace && readBuildingSummary(redis, keyspace, a.buildingId as string);
      },
    },
    consumption('1h'),
    consumption('1d'),
    {
      name: 'benchmark (EUI among peers)',
      category: 'sensors',
      args: () => ({ buildingId: building(), ...range() }),
      call: (a) => queries.benchmark(asDates(a) as Q<Parameters<typeof queries.benchmark>[0]>),
      sql: (db, a) => queryBenchmark(db, asDates(a) as Q<Parameters<typeof queryBenchmark>[1]>),
    },
    {
      name: 'weather-normalised',
      category: 'weather',
      // Daily samples need three days to fit three parameters.
      args: () => ({ buildingId: building(), ...range(72) }),
      call: (a) =>
        queries.weatherNormalised(asDates(a) as Q<Parameters<typeof queries.weatherNormalised>[0]>),
      sql: (db, a) =>
        queryWeatherNormalised(db, asDates(a) as Q<Parameters<typeof queryWeatherNormalised>[1]>),
    },
    {
      name: 'anomalies',
      category: 'sensors',
      // Half "the latest 50", half within a range, as an agent asks both.
      args: () => (random() < 0.5 ? { buildingId: building() } : { buildingId: building(), ...range() }),
      call: (a) => queries.anomalies(asDates(a) as Q<Parameters<typeof queries.anomalies>[0]>),
      sql: (db, a) => queryAnomalies(db, asDates(a) as Q<Parameters<typeof queryAnomalies>[1]>),
    },
    {
      name: 'data-quality report',
      category: 'sensors',
      args: () => ({ buildingId: building(), ...range() }),
      call: (a) => queries.dataQuality(asDates(a) as Q<Parameters<typeof queries.dataQuality>[0]>),
      sql: (db, a) =>
        queryDataQualityReport(db, asDates(a) as Q<Parameters<typeof queryDataQualityReport>[1]>),
    },
  ];
}

interface ExplainSummary {
  readonly query: string;
  readonly executionMs: number;
  readonly plan: string[];
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every statement the query function sends for `args`: the statements
 * are recorded from a real call on a client that passes them through, then explained one by one.
 */
async function explain(
  platform: Platform,
  spec: QuerySpec,
  args: Record<string, unknown>,
): Promise<ExplainSummary[]> {
  const sql = spec.sql;
  if (sql === undefined) return [];
  const client = await platform.pool.connect();
  try {
    const recorded: { text: string; values: unknown[] }[] = [];
    const recorder = {
      query: (text: string, values?: unknown[]) => {
        recorded.push({ text, values: values ?? [] });
        return client.query(text, values);
      },
    };
    // The query functions only call query(text, values): a pass-through that records is all they need.
    await sql(recorder as unknown as pg.ClientBase, args).catch((error: unknown) => {
      if (!(error instanceof EaioError)) throw error;
    });
    const summaries: ExplainSummary[] = [];
    for (const { text, values } of recorded) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${text}`,
        values,
      );
      const plan = rows.map((r) => r['QUERY PLAN']);
      const execution = plan.find((l) => l.startsWith('Execution Time'));
      summaries.push({
        query: text.replace(/\s+/g, ' ').trim().slice(0, 120),
        executionMs: Number(execution?.match(/([\d.]+) ms/)?.[1] ?? Number.NaN),
        plan,
      });
    }
    return summaries;
  } finally {
    client.release();
  }
}

async function measureQueries(platform: Platform, calls: number, seed: number): Promise<QueriesFigures> {
  const extent = await dataExtent(platform);
  const specs = querySpecs(platform, extent, seed);
  const cache = createToolResultCache({ redis: platform.redis, namespace: 'bench-cache' });
  const table: Record<string, Record<string, number>> = {};
  const figures: QueriesFigures = {};
  let slowest: { spec: QuerySpec; timing: Timing } | undefined;
  for (const spec of specs) {
    const argsList = Array.from({ length: calls }, spec.args);
    // Connections, prepared plans and the JIT's first compilations are paid before timing.
    for (const args of argsList.slice(0, 5)) await spec.call(args).catch(() => undefined);
    const uncached = await time(argsList, spec.call);
    const keyOf = (args: Record<string, unknown>) => `${spec.name}:${JSON.stringify(args)}`;
    const viaCache = (args: Record<string, unknown>) =>
      cache.getOrCompute(spec.category, keyOf(args), () => spec.call(args), {
        tags: [buildingTag(args.buildingId as string)],
      });
    for (const args of argsList) await viaCache(args).catch(() => undefined);
    let hits = 0;
    const cached = await time(argsList, async (args) => {
      hits += (await viaCache(args)).hit ? 1 : 0;
    });
    table[spec.name] = {
      calls,
      'uncached p50 ms': round(percentile(uncached.sorted, 50), 2),
      'uncached p99 ms': round(percentile(uncached.sorted, 99), 2),
      'uncached max ms': round(uncached.sorted.at(-1) ?? Number.NaN, 2),
      'cached p50 ms': round(percentile(cached.sorted, 50), 2),
      'cached p99 ms': round(percentile(cached.sorted, 99), 2),
      'cache hits': hits,
      refused: uncached.errors,
    };
    const short = spec.name
      .replace(/\s*\(.*\)/, '')
      .replace(/[^a-z0-9]+(.)?/gi, (_, c: string | undefined) => (c ?? '').toUpperCase());
    figures[`${short}UncachedP50Ms`] = round(percentile(uncached.sorted, 50), 2);
    figures[`${short}UncachedP99Ms`] = round(percentile(uncached.sorted, 99), 2);
    figures[`${short}CachedP50Ms`] = round(percentile(cached.sorted, 50), 2);
    figures[`${short}CachedP99Ms`] = round(percentile(cached.sorted, 99), 2);
    progress(`measured ${spec.name}`);
    if (
      spec.sql &&
      (slowest === undefined || percentile(uncached.sorted, 50) > percentile(slowest.timing.sorted, 50))
    ) {
      slowest = { spec, timing: uncached };
    }
  }
  console.log(
    `\nQueries: ${calls} calls each, random building of ${extent.buildings.length}, ranges of 1 day to 1 month`,
  );
  console.table(table);
  if (slowest !== undefined) {
    const summaries = await explain(platform, slowest.spec, slowest.timing.slowest);
    console.log(
      `\nSlowest SQL query by uncached p50 (less disturbed than p99 by other load on the machine): ${slowest.spec.name}, its slowest arguments ${JSON.stringify(slowest.timing.slowest)}`,
    );
    for (const s of summaries) {
      console.log(`\nEXPLAIN (ANALYZE, BUFFERS): execution ${s.executionMs} ms: ${s.query}…`);
      console.log(s.plan.slice(0, 40).join('\n'));
    }
    figures.slowestQuery = slowest.spec.name;
    figures.slowestExplainExecutionMs = round(
      summaries.reduce((n, s) => n + s.executionMs, 0),
      2,
    );
  }
  return figures;
}

/** Drops the run's schemas, Redis keys, topics and consumer groups. */
export async function cleanUp(platform: Platform): Promise<void> {
  const { schema } = platform.config.postgres;
  const prefix = platform.config.redis.keyPrefix;
  const generations = await platform.pool.query<{ nspname: string }>(
    "SELECT nspname FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $1 || '_')",
    [schema],
  );
  for (const { nspname } of generations.rows)
    await platform.pool.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
  // The client's key prefix applies to commands, not to SCAN patterns.
  for await (const keys of platform.redis.scanStream({ match: `${prefix}*`, count: 1_000 })) {
    const unprefixed = (keys as string[]).map((k) => k.slice(prefix.length));
    if (unprefixed.length > 0) await platform.redis.del(...unprefixed);
  }
  const admin = platform.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({
      topics: Object.values(TOPICS).flatMap((t) => [
        `${platform.names.prefix}${t.name}`,
        `${platform.names.prefix}${t.deadLetterTopic}`,
      ]),
    });
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(platform.names.prefix));
    if (ours.length > 0) await admin.deleteGroups(ours);
  } finally {
    await admin.disconnect();
  }
}

/**
 * `npm run bench -- queries`: loads a BDG2-sized fleet through the pipeline (Kafka, the processors,
 * the live projector), then times every query the MCP adapter serves, uncached and through the
 * tool-result cache, and explains the slowest. `--keep` leaves the data; `--reuse <id>` measures a
 * kept run's data again without loading.
 */
export async function queriesBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<QueriesFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      buildings: { type: 'string', default: '1636' },
      meters: { type: 'string', default: '3053' },
      days: { type: 'string', default: '31' },
      calls: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      processors: { type: 'string', default: DEFAULT_PROCESSORS.join(',') },
      keep: { type: 'boolean', default: false },
      reuse: { type: 'string' },
    },
  });
  const buildings = Number(values.buildings);
  const meters = Number(values.meters);
  const days = Number(values.days);
  const seed = Number(values.seed);
  const processors = values.processors.split(',').filter(Boolean) as ProcessorName[];
  for (const name of processors) {
    if (!(name in PROCESSORS)) {
      throw new EaioError('INVALID_ARGUMENT', 'permanent', `--processors: unknown processor ${name}`, {
        context: { known: Object.keys(PROCESSORS) },
      });
    }
    singleInput(name);
  }
  const id = values.reuse ?? randomBytes(3).toString('hex');
  if (!/^[0-9a-f]{6}$/.test(id) || !(meters >= buildings && buildings > 0 && days >= 1)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      'need --meters >= --buildings > 0, --days >= 1 and a 6-hex --reuse id',
      {
        context: { buildings, meters, days, reuse: values.reuse },
      },
    );
  }
  const platform = connectBenchPlatform(config, endpoints, id);
  progress(`run ${id}: topics bench.${id}.*, schema bench_${id}, Redis keys bench:${id}:*`);
  try {
    let load: LoadFigures = { reused: id };
    if (values.reuse === undefined) {
      await preparePlatform(platform);
      const produced = await produceFleet(platform, { buildings, meters, days, seed });
      progress(`produced ${produced.readings} readings at ${produced.produceReadingsPerS}/s; catching up`);
      load = { ...produced, ...(await catchUp(platform, processors)) };
    }
    load = { ...load, ...(await rowCounts(platform)) };
    console.log('\nLoad');
    console.table(load);
    const measured = await measureQueries(platform, Number(values.calls), seed);
    return { run: id, ...load, ...measured };
  } finally {
    if (values.keep) progress(`kept: measure again with --reuse ${id}`);
    else await cleanUp(platform).catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
    await platform.close();
  }
}
