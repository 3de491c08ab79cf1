import { loadConfig } from '../infra/config/index.ts';
import { stackUp } from '../infra/stack/index.ts';
import { anomaliesBenchmark } from './anomalies.ts';
import { codecBenchmark } from './codec.ts';
import { detectionBenchmark } from './detection.ts';
import { importBenchmark } from './import.ts';
import { mcpBenchmark } from './mcp.ts';
import { pipelineBenchmark } from './pipeline.ts';
import { queriesBenchmark } from './queries.ts';
import { replayBenchmark } from './replay.ts';
import { sinkBenchmark } from './sink.ts';

/**
 * `npm run bench -- <name> [knobs]`: runs one benchmark and prints a table and a JSON line. Those
 * that talk to services bring the local stack up first (or find it running).
 */
const BENCHMARKS = {
  anomalies: { usesStack: false, knobs: '--weeks N --meters N --seed N', run: anomaliesBenchmark },
  codec: { usesStack: true, knobs: '--events N', run: codecBenchmark },
  detection: {
    usesStack: true,
    knobs: '--buildings N --weeks N --seed N --faults kind=rate,... --ground-truth FILE --settle-seconds N',
    run: detectionBenchmark,
  },
  import: { usesStack: true, knobs: '--values N --buildings N --batch-units N', run: importBenchmark },
  mcp: {
    usesStack: true,
    knobs: '--buildings N --meters N --days N --calls N --clients N --rate N --seed N',
    run: mcpBenchmark,
  },
  pipeline: { usesStack: true, knobs: '--readings N --rate N --seconds N', run: pipelineBenchmark },
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
} as const;

const [name, ...rest] = process.argv.slice(2);
const benchmark = BENCHMARKS[name as keyof typeof BENCHMARKS];
if (benchmark === undefined) {
  const lines = Object.entries(BENCHMARKS).map(([n, b]) => `  npm run bench -- ${n} ${b.knobs}`);
  process.stderr.write(`usage:\n${lines.join('\n')}\n`);
  process.exit(2);
}
const config = loadConfig(process.env);
// Benchmarks that need no services get the configured endpoints, which they ignore.
const endpoints = benchmark.usesStack
  ? await stackUp(config, { env: process.env })
  : {
      kafkaBrokers: [...config.kafka.brokers],
      registryUrl: config.registry.url,
      redisUrl: config.redis.url,
      postgresUrl: config.postgres.url,
    };
const figures = await benchmark.run(config, endpoints, rest);
console.table(figures);
console.log(JSON.stringify({ benchmark: name, ...figures }));
