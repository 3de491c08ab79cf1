import type { EaioConfig } from '../../infra/config/index.ts';
import { EaioError } from '../../infra/errors/index.ts';
import type { StackEndpoints } from '../../infra/stack/index.ts';
import { type BenchArgs, DEFAULT_REPEAT, DEFAULT_WARMUP, parseBenchArgs } from './argv.ts';
import { describeMachine } from './machine.ts';
import { renderResult } from './render.ts';
import { type BenchmarkResult, type RepeatRecord, writeResult } from './results.ts';
import { type Figures, summarize } from './summary.ts';

/** One row of the BENCHMARKS table in benchmarks/run.ts. */
export interface BenchmarkEntry {
  /** False for benchmarks that need no services: the stack is then not started for them. */
  readonly usesStack: boolean;
  /** The flags the benchmark reads, as a usage string: `--rows N --keep`. Nothing else is passed on. */
  readonly knobs: string;
  // `object`: each benchmark declares its own figures interface, and interfaces are not assignable
  // to an index-signature type; the harness reads them with Object.entries.
  readonly run: (config: EaioConfig, endpoints: StackEndpoints, argv: string[]) => Promise<object>;
}

export interface HarnessOptions {
  readonly benchmarks: Readonly<Record<string, BenchmarkEntry>>;
  /** Small knobs per benchmark, used only when every benchmark runs, so that run takes minutes. */
  readonly smallDefaults: Readonly<Partial<Record<string, string>>>;
  /** The command line after the script: `[NAME] [--repeat N] [--warmup N] [knobs]`. */
  readonly argv: readonly string[];
  readonly config: EaioConfig;
  /** Brings the local stack up or finds it running; called once, only if a chosen benchmark uses it. */
  readonly startStack: () => Promise<StackEndpoints>;
  readonly root: string;
  readonly resultsDir: string;
  readonly log?: (line: string) => void;
}

interface Planned {
  readonly name: string;
  readonly entry: BenchmarkEntry;
  readonly args: BenchArgs;
}

export function usageText(benchmarks: Readonly<Record<string, BenchmarkEntry>>): string {
  const lines = Object.entries(benchmarks).map(
    ([n, b]) => `  npm run bench -- ${n} [--repeat N] [--warmup N] ${b.knobs}`,
  );
  return `usage:\n  npm run bench [-- --repeat N --warmup N]   (every benchmark, small knobs)\n${lines.join('\n')}\n`;
}

/** Every argument is checked before the first benchmark starts: a typo costs nothing. */
function plan(opts: HarnessOptions): Planned[] {
  const [first, ...rest] = opts.argv;
  if (first !== undefined && !first.startsWith('--')) {
    const entry = opts.benchmarks[first];
    if (entry === undefined)
      throw new EaioError('INVALID_ARGUMENT', 'permanent', `no benchmark named '${first}'`, {
        context: { first },
      });
    return [{ name: first, entry, args: parseBenchArgs(first, entry.knobs, rest) }];
  }
  return Object.entries(opts.benchmarks).map(([name, entry]) => {
    const small = (opts.smallDefaults[name] ?? '').split(/\s+/).filter((w) => w.length > 0);
    return { name, entry, args: parseBenchArgs(name, entry.knobs, [...small, ...opts.argv]) };
  });
}

const quote = (word: string): string =>
  /^[\w.,=:/@+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/** The command that repeats exactly this run of one benchmark. */
export function commandFor(name: string, args: BenchArgs): string {
  const words = ['npm', 'run', 'bench', '--', name, ...args.argv];
  if (args.repeat !== DEFAULT_REPEAT) words.push('--repeat', String(args.repeat));
  if (args.warmup !== DEFAULT_WARMUP) words.push('--warmup', String(args.warmup));
  return words.map(quote).join(' ');
}

// `--expose-gc` (package.json's bench script) lets each run start without the previous run's garbage.
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

async function runOne(
  p: Planned,
  opts: HarnessOptions,
  endpoints: StackEndpoints,
  log: (line: string) => void,
): Promise<BenchmarkResult> {
  const startedAt = new Date().toISOString();
  const machine = describeMachine(opts.root, p.entry.usesStack ? opts.config.stack.kafkaVersion : undefined);
  const repeats: RepeatRecord[] = [];
  let error: string | undefined;
  const total = p.args.warmup + p.args.repeat;
  for (let i = 0; i < total; i++) {
    const warm = i < p.args.warmup;
    const label = warm
      ? `warm-up ${i + 1}/${p.args.warmup}`
      : `run ${i - p.args.warmup + 1}/${p.args.repeat}`;
    log(`${p.name}: ${label}`);
    collectGarbage();
    const t0 = performance.now();
    try {
      const figures = (await p.entry.run(opts.config, endpoints, [...p.args.argv])) as Figures;
      const seconds = Math.round((performance.now() - t0) / 10) / 100;
      log(`${p.name}: ${label} took ${seconds} s`);
      if (!warm) repeats.push({ seconds, figures });
    } catch (e) {
      // The repeats so far stay; the next would likely fail the same way, so this benchmark stops.
      error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      log(`${p.name}: ${label} failed: ${error}`);
      break;
    }
  }
  return {
    benchmark: p.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    command: commandFor(p.name, p.args),
    knobs: p.args.knobs,
    repeat: p.args.repeat,
    warmup: p.args.warmup,
    machine,
    repeats,
    summary: summarize(repeats.map((r) => ({ ...r.figures, runSeconds: r.seconds }))),
    ...(error === undefined ? {} : { error: error.split('\n')[0] ?? error }),
  };
}

/**
 * Runs the chosen benchmark (or all of them) with warm-ups and repeats, prints each summary and
 * writes each results file. Returns the exit code: 2 for a usage error, 1 if a benchmark threw,
 * 0 otherwise. Figures never change the exit code.
 */
export async function runBenchmarks(opts: HarnessOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[bench] ${line}\n`));
  let planned: Planned[];
  try {
    planned = plan(opts);
  } catch (e) {
    if (!(e instanceof EaioError && e.code === 'INVALID_ARGUMENT')) throw e;
    process.stderr.write(`${e.message}\n${usageText(opts.benchmarks)}`);
    return 2;
  }
  const started = performance.now();
  const endpoints: StackEndpoints = planned.some((p) => p.entry.usesStack)
    ? await opts.startStack()
    : // Benchmarks that need no services get the configured endpoints, which they ignore.
      {
        kafkaBrokers: [...opts.config.kafka.brokers],
        registryUrl: opts.config.registry.url,
        redisUrl: opts.config.redis.url,
        postgresUrl: opts.config.postgres.url,
      };
  const failed: string[] = [];
  for (const p of planned) {
    const result = await runOne(p, opts, endpoints, log);
    if (result.error !== undefined) failed.push(p.name);
    const path = await writeResult(opts.resultsDir, result);
    process.stdout.write(`\n${renderResult(result)}\n\nresults: ${path}\n`);
  }
  const wall = Math.round((performance.now() - started) / 1000);
  log(
    `${planned.length} benchmark(s) in ${wall} s${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`,
  );
  return failed.length > 0 ? 1 : 0;
}
