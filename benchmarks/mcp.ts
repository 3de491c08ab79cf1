import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type Platform, preparePlatform, runProjector } from '../app/index.ts';
import type { EaioConfig } from '../infra/config/index.ts';
import { EaioError } from '../infra/errors/index.ts';
import type { StackEndpoints } from '../infra/stack/index.ts';
import { TOOL_NAMES } from '../mcp-adapter/index.ts';
import { type RunningProcessor, runNamedProcessor } from '../processors/index.ts';
import { HOUR_MS, type SensorReading } from '../schemas/index.ts';
import { createFleet, readingsHour, seededRandom } from './bdg2-fleet.ts';
import { connectBenchPlatform } from './bench-platform.ts';
import { percentile } from './percentile.ts';
import { catchUp, cleanUp, DEFAULT_PROCESSORS, produceFleet } from './queries.ts';

export type McpFigures = Record<string, number | string>;

const ADAPTER = fileURLToPath(new URL('./mcp-adapter-process.ts', import.meta.url));

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

function progress(line: string): void {
  process.stderr.write(`[mcp] ${line}\n`);
}

/** The environment pointing a child `eaio` process at this run's slice of the stack. */
export function childEnv(platform: Platform, endpoints: StackEndpoints): Record<string, string> {
  const { config } = platform;
  return {
    EAIO_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    EAIO_REGISTRY_URL: endpoints.registryUrl,
    EAIO_REDIS_URL: endpoints.redisUrl,
    EAIO_POSTGRES_URL: endpoints.postgresUrl,
    EAIO_KAFKA_TOPIC_PREFIX: config.kafka.topicPrefix,
    EAIO_POSTGRES_SCHEMA: config.postgres.schema,
    EAIO_REDIS_KEY_PREFIX: config.redis.keyPrefix,
    EAIO_LOG_LEVEL: 'warn',
    // The benchmark measures the adapter, not its limits: far above any rate it reaches.
    EAIO_MCP_RATE_LIMIT_REQUESTS_PER_MINUTE: '100000000',
    EAIO_MCP_RATE_LIMIT_BURST: '100000000',
  };
}

interface Adapter {
  readonly url: string;
  /** An admin token the adapter minted with its local key, for its own resource URI. */
  readonly token: string;
  stop(): Promise<void>;
}

/** Starts the adapter in its own process and resolves once it prints its URL. */
async function startAdapter(env: Record<string, string>): Promise<Adapter> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--disable-warning=TimeoutNegativeWarning', '--import', 'tsx', ADAPTER],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const { url, token } = await Promise.race([
    (async () => {
      for await (const line of lines) {
        const parsed = JSON.parse(line) as { url?: string; token?: string };
        if (parsed.url !== undefined && parsed.token !== undefined)
          return { url: parsed.url, token: parsed.token };
      }
      throw new EaioError('LISTEN_FAILED', 'permanent', 'the adapter process closed its output');
    })(),
    exited.then(([code]) => {
      throw new EaioError('LISTEN_FAILED', 'permanent', `the adapter process exited with ${code}`);
    }),
  ]);
  return {
    url,
    token,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One virtual user: an MCP client with its own session over Streamable HTTP. */
async function connect(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'eaio-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

interface Scenario {
  readonly name: string;
  readonly tool: string;
  /** Arguments of the i-th call. */
  readonly args: (i: number) => Record<string, unknown>;
}

interface Measured {
  readonly calls: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

/** `calls` calls spread over the clients, each client calling in sequence: latency per call, calls/s overall. */
async function measure(clients: readonly Client[], scenario: Scenario, calls: number): Promise<Measured> {
  const perClient = Math.ceil(calls / clients.length);
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, c) => {
      for (let k = 0; k < perClient; k++) {
        const t0 = performance.now();
        const result = await client.callTool({
          name: scenario.tool,
          arguments: scenario.args(c * perClient + k),
        });
        latencies.push(performance.now() - t0);
        if (result.isError) errors += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    errors,
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    perSecond: Math.round(latencies.length / seconds),
  };
}

/**
 * Produces the fleet's last day of readings again (new event ids, same natural keys) at `rate`
 * readings/s until stopped: the processors and the projector do their full work on each.
 */
function ingestLoad(platform: Platform, readings: readonly SensorReading[], rate: number) {
  let stopped = false;
  let sent = 0;
  const done = (async () => {
    const producer = await platform.producer();
    const topic = platform.names.topic('sensorReadings');
    const chunk = Math.max(1, Math.round(rate / 10));
    const started = performance.now();
    while (!stopped) {
      const batch = Array.from({ length: chunk }, (_, i) => {
        const r = readings[(sent + i) % readings.length] as SensorReading;
        return { ...r, eventId: crypto.randomUUID() };
      });
      const messages = await Promise.all(
        batch.map(async (r) => ({ key: r.meterId, value: await platform.codec.encode('sensorReadings', r) })),
      );
      await producer.send({ topic, acks: -1, messages });
      sent += batch.length;
      // Paced on the schedule, not by sleeping a fixed time: behind schedule sends at once.
      const due = started + (sent / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    sent: () => sent,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

/**
 * `npm run bench -- mcp`: loads a small BDG2-shaped fleet through the pipeline, starts the MCP
 * adapter in its own process, and times over Streamable HTTP an empty tool (the ceiling: the
 * adapter's own cost), a cached read (latest readings, from the tool-result cache) and an uncached
 * PostgreSQL read (hourly consumption, never the same arguments twice), at 1 and `--clients`
 * concurrent clients, first idle, then while the pipeline ingests `--rate` readings/s.
 */
export async function mcpBenchmark(
  config: EaioConfig,
  endpoints: StackEndpoints,
  argv: string[],
): Promise<McpFigures> {
  const { values } = parseArgs({
    args: argv,
    options: {
      buildings: { type: 'string', default: '40' },
      meters: { type: 'string', default: '60' },
      days: { type: 'string', default: '3' },
      calls: { type: 'string', default: '400' },
      clients: { type: 'string', default: '16' },
      rate: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
    },
  });
  const buildings = Number(values.buildings);
  const meters = Number(values.meters);
  const days = Number(values.days);
  const calls = Number(values.calls);
  const concurrency = Number(values.clients);
  const rate = Number(values.rate);
  const seed = Number(values.seed);
  if (!(meters >= buildings && buildings > 0 && days >= 1 && calls > 0 && concurrency > 0 && rate > 0)) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      'need --meters >= --buildings > 0 and positive knobs',
      {
        context: values,
      },
    );
  }
  const id = randomBytes(3).toString('hex');
  const platform = connectBenchPlatform(config, endpoints, id);
  progress(`run ${id}: topics bench.${id}.*, schema bench_${id}, Redis keys bench:${id}:*`);
  const figures: McpFigures = { run: id };
  let adapter: Adapter | undefined;
  const clients: Client[] = [];
  try {
    await preparePlatform(platform);
    const produced = await produceFleet(platform, { buildings, meters, days, seed });
    progress(`produced ${produced.readings} readings; catching up`);
    await catchUp(platform, DEFAULT_PROCESSORS);
    const ids = (
      await platform.pool.query<{ building_id: string }>('SELECT building_id FROM buildings ORDER BY 1')
    ).rows.map((r) => r.building_id);
    const endMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    adapter = await startAdapter(childEnv(platform, endpoints));
    progress(`adapter serving at ${adapter.url}`);
    for (let c = 0; c < concurrency; c++)
      clients.push(await connect(adapter.url, { authorization: `Bearer ${adapter.token}` }));
    const building = (i: number) => ids[i % ids.length] as string;
    const scenarios: Scenario[] = [
      { name: 'empty', tool: 'bench_empty', args: (i) => ({ n: i }) },
      // Five buildings: after the first call of each, every call is a cache hit until a batch touches it.
      { name: 'cached', tool: TOOL_NAMES.getLatestReadings, args: (i) => ({ buildingId: building(i % 5) }) },
      {
        name: 'uncached',
        tool: TOOL_NAMES.queryConsumption,
        // A range ending one second later per call: never the same arguments, so never a cached answer.
        args: (i) => ({
          buildingId: building(i),
          from: new Date(endMs - 24 * HOUR_MS).toISOString(),
          to: new Date(endMs - i * 1000).toISOString(),
          bucket: '1h',
        }),
      },
    ];
    // Connections, the JIT and the cache are warmed before timing.
    for (const s of scenarios)
      for (let i = 0; i < 20; i++) await clients[0]?.callTool({ name: s.tool, arguments: s.args(i) });
    const table: Record<string, Record<string, number>> = {};
    const run = async (phase: string) => {
      for (const width of [1, concurrency]) {
        const ceiling = { p99: 0 };
        for (const s of scenarios) {
          const m = await measure(clients.slice(0, width), s, width === 1 ? calls : calls * 4);
          if (s.name === 'empty') ceiling.p99 = m.p99;
          const row = `${phase} ${s.name} x${width}`;
          table[row] = {
            calls: m.calls,
            errors: m.errors,
            'p50 ms': m.p50,
            'p99 ms': m.p99,
            'calls/s': m.perSecond,
            'p99 / empty p99': round(m.p99 / ceiling.p99),
          };
          const key = `${phase}_${s.name}_c${width}`;
          figures[`${key}_p50Ms`] = m.p50;
          figures[`${key}_p99Ms`] = m.p99;
          figures[`${key}_perS`] = m.perSecond;
          if (m.errors > 0) figures[`${key}_errors`] = m.errors;
          progress(`${row}: p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.perSecond}/s`);
        }
      }
    };
    await run('idle');
    const lastDay = createFleet({ buildings, meters, days: 1, seed, endMs });
    const random = seededRandom(seed + 2);
    const readings: SensorReading[] = [];
    for (let h = 0; h < 24; h++)
      readings.push(...readingsHour(lastDay, lastDay.startMs + h * HOUR_MS, new Map(), random));
    const projector = await runProjector(platform);
    const processors: RunningProcessor[] = [];
    for (const name of DEFAULT_PROCESSORS) {
      processors.push(
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
    const load = ingestLoad(platform, readings, rate);
    const ingestStarted = performance.now();
    try {
      await run('ingesting');
    } finally {
      await load.stop();
      figures.ingestedReadings = load.sent();
      figures.ingestReadingsPerS = Math.round(load.sent() / ((performance.now() - ingestStarted) / 1000));
      await projector.stop();
      for (const p of processors) await p.stop();
    }
    console.log(
      `\nMCP over Streamable HTTP, adapter in its own process; ${ids.length} buildings; ingesting at ${rate} readings/s in the second phase`,
    );
    console.table(table);
    return figures;
  } finally {
    for (const c of clients) await c.close().catch(() => undefined);
    await adapter?.stop();
    await cleanUp(platform).catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
    await platform.close();
  }
}
