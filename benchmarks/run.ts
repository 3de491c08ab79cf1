import { fileURLToPath } from 'node:url';
import { loadConfig } from '../infra/config/index.ts';
import { stackUp } from '../infra/stack/index.ts';
import { anomaliesBenchmark } from './anomalies.ts';
import { codecBenchmark } from './codec.ts';
import { detectionBenchmark } from './detection.ts';
import { e2eBenchmark } from './e2e.ts';
import { forecastBenchmark } from './forecast.ts';
import { type BenchmarkEntry, runBenchmarks } from './harness/index.ts';
import { importBenchmark } from './import.ts';
import { kafkaClientsBenchmark } from './kafka-clients.ts';
import { mcpBenchmark } from './mcp.ts';
import { pipelineBenchmark } from './pipeline.ts';
import { profileBenchmark } from './profile.ts';
import { queriesBenchmark } from './queries.ts';
import { replayBenchmark } from './replay.ts';
import { sinkBenchmark } from './sink.ts';

/**
 * `npm run bench` runs every benchmark with the small knobs below; `npm run bench -- NAME
 * [--repeat N] [--warmup N] [knobs]` runs one with its own defaults. See benchmarks/README.md.
 */
const BENCHMARKS = {
  anomalies: { usesStack: false, knobs: '--weeks N --meters N --seed N', run: anomaliesBenchmark },
  codec: { usesStack: true, knobs: '--events N', run: codecBenchmark },
  detection: {
    usesStack: true,
    knobs: '--buildings N --weeks N --seed N --faults kind=rate,... --ground-truth FILE --settle-seconds N',
    run: detectionBenchmark,
  },
  e2e: {
    usesStack: true,
    knobs:
      '--readings N --rates a,b --seconds N --search-steps N --timeout-seconds N --buildings N --sink-slowdown N --rss-every-seconds N --clean-up ID',
    run: e2eBenchmark,
  },
  forecast: {
    usesStack: false,
    knobs:
      '--buildings N --seed N --start YYYY-MM-DD --faults kind=rate,... --file PATH --metadata FILE --weather FILE,... --meter-kind KIND --per-meter FILE --reject-outliers K',
    run: forecastBenchmark,
  },
  import: { usesStack: true, knobs: '--values N --buildings N --batch-units N', run: importBenchmark },
  'kafka-clients': {
    usesStack: true,
    knobs: '--events N --batch N --repetitions N',
    run: kafkaClientsBenchmark,
  },
  mcp: {
    usesStack: true,
    knobs: '--buildings N --meters N --days N --calls N --clients N --rate N --seed N',
    run: mcpBenchmark,
  },
  pipeline: { usesStack: true, knobs: '--readings N --rate N --seconds N', run: pipelineBenchmark },
  profile: {
    usesStack: true,
    knobs:
      '--readings N --buildings N --stages a,b --out DIR --interval-us N --top N --timeout-s N --processes a,b',
    run: profileBenchmark,
  },
  queries: {
    usesStack: true,
    knobs: '--buildings N --meters N --days N --calls N --seed N --processors a,b --keep --reuse ID',
    run: queriesBenchmark,
  },
  replay: {
    usesStack: true,
    knobs:
      '--meters N --buildings N --days N --seed N --processors a,b --method replay|rebuild --keep --reuse ID --timeout-seconds N --cpu-prof DIR',
    run: replayBenchmark,
  },
  sink: { usesStack: true, knobs: '--rows N --meters N --batch N', run: sinkBenchmark },
} as const satisfies Record<string, BenchmarkEntry>;

/** Small knobs for `npm run bench` with no name, so running them all takes minutes, not hours. */
const SMALL_DEFAULTS: Partial<Record<keyof typeof BENCHMARKS, string>> = {
  anomalies: '--weeks 8 --meters 4',
  codec: '--events 50000',
  e2e: '--readings 5000 --rates 1000 --seconds 5 --search-steps 0 --warmup 0',
  detection: '--buildings 5 --weeks 5 --settle-seconds 5 --warmup 0',
  forecast: '--buildings 5 --warmup 0',
  'kafka-clients': '--events 20000 --repetitions 1 --warmup 0',
  import: '--values 100000 --buildings 100',
  mcp: '--buildings 10 --meters 15 --days 1 --calls 30 --clients 2 --rate 200 --warmup 0',
  pipeline: '--readings 10000 --rate 1000 --seconds 5',
  profile: '--readings 10000 --warmup 0',
  queries: '--buildings 20 --meters 30 --days 7 --calls 50 --warmup 0',
  replay: '--meters 300 --days 1 --warmup 0',
  sink: '--rows 50000 --meters 500',
};

const config = loadConfig(process.env);
const code = await runBenchmarks({
  benchmarks: BENCHMARKS,
  smallDefaults: SMALL_DEFAULTS,
  argv: process.argv.slice(2),
  config,
  startStack: () => stackUp(config, { env: process.env }),
  root: fileURLToPath(new URL('..', import.meta.url)),
  resultsDir: fileURLToPath(new URL('./results', import.meta.url)),
});
// Explicitly: a benchmark's leftover handle (a socket, a timer) must not keep the process alive.
process.exit(code);
