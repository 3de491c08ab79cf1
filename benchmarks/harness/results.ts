import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Machine } from './machine.ts';
import type { FigureSummary, Figures } from './summary.ts';

/** One timed run of a benchmark (warm-up runs are not kept). */
export interface RepeatRecord {
  readonly seconds: number;
  readonly figures: Figures;
}

/** The content of `benchmarks/results/<name>-<time>.json`. */
export interface BenchmarkResult {
  readonly benchmark: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The command that reproduces this run. */
  readonly command: string;
  readonly knobs: Readonly<Record<string, string | true>>;
  readonly repeat: number;
  readonly warmup: number;
  readonly machine: Machine;
  readonly repeats: readonly RepeatRecord[];
  readonly summary: Readonly<Record<string, FigureSummary>>;
  /** Set when a run threw: the repeats before it are kept, the rest were not attempted. */
  readonly error?: string;
}

/** `pipeline-2026-12-06T00-30-00.000Z.json`: ISO time with the colons a file name should not hold. */
export function resultFileName(benchmark: string, startedAt: string): string {
  return `${benchmark}-${startedAt.replaceAll(':', '-')}.json`;
}

export async function writeResult(dir: string, result: BenchmarkResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, resultFileName(result.benchmark, result.startedAt));
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/**
 * The newest result per benchmark that has figures (a run that failed before its first repeat is
 * skipped so it does not hide the last good figures), by `startedAt`, in benchmark-name order.
 */
export async function latestResults(dir: string): Promise<BenchmarkResult[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  const newest = new Map<string, BenchmarkResult>();
  for (const name of names) {
    const result = JSON.parse(await readFile(join(dir, name), 'utf8')) as BenchmarkResult;
    if (result.repeats.length === 0) continue;
    const seen = newest.get(result.benchmark);
    if (seen === undefined || seen.startedAt < result.startedAt) newest.set(result.benchmark, result);
  }
  return [...newest.values()].sort((a, b) => a.benchmark.localeCompare(b.benchmark));
}
