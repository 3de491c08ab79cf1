import { loadConfig } from '../infra/config/index.ts';
import { stackUp } from '../infra/stack/index.ts';
import { codecBenchmark } from './codec.ts';
import { ingestBenchmark } from './ingest.ts';

/** `npm run bench -- <name> [knobs]`: brings the stack up, runs one benchmark, prints a table and JSON. */
const BENCHMARKS = { codec: codecBenchmark, ingest: ingestBenchmark } as const;

const [name, ...rest] = process.argv.slice(2);
const run = BENCHMARKS[name as keyof typeof BENCHMARKS];
if (run === undefined) {
  process.stderr.write(
    `usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [knobs: codec --events N | ingest --readings N]\n`,
  );
  process.exit(2);
}
const config = loadConfig(process.env);
const endpoints = await stackUp(config, { env: process.env });
const figures = await run(config, endpoints, rest);
console.table(figures);
console.log(JSON.stringify({ benchmark: name, ...figures }));
