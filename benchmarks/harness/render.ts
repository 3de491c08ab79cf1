import { machineLine } from './machine.ts';
import type { BenchmarkResult } from './results.ts';
import { type FigureSummary, isNumberSummary } from './summary.ts';

export const LATEST_START = '<!-- latest-figures:start -->';
export const LATEST_END = '<!-- latest-figures:end -->';

/** Rounds to a few significant digits so tables stay readable (rates in the thousands keep integers). */
export function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 1 ? 2 : 3;
  return String(Number(x.toFixed(digits)));
}

/** `median [min–max]`, or the single value when every repeat agreed; `(n of N runs)` when some lacked it. */
export function formatSummary(s: FigureSummary, runs: number): string {
  const partial = s.n < runs ? ` (${s.n} of ${runs} runs)` : '';
  if (!isNumberSummary(s)) return `${s.values.join(', ')}${partial}`;
  const range = s.min === s.max ? '' : ` [${formatNumber(s.min)}–${formatNumber(s.max)}]`;
  return `${formatNumber(s.median)}${range}${partial}`;
}

const cell = (text: string): string => text.replaceAll('|', '\\|');

/** A markdown table of one summary: figure | median [min–max]. */
export function renderSummaryTable(summary: Readonly<Record<string, FigureSummary>>, runs: number): string {
  const rows = Object.entries(summary).map(([k, s]) => `| ${cell(k)} | ${cell(formatSummary(s, runs))} |`);
  return [`| figure | median [min–max] of ${runs} |`, '| --- | --- |', ...rows].join('\n');
}

/** One benchmark's block of the Latest figures section. */
export function renderResult(r: BenchmarkResult): string {
  const lines = [
    `### ${r.benchmark}`,
    '',
    `${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.repeats.length} runs after ${r.warmup} warm-up:`,
    '',
    '```bash',
    r.command,
    '```',
    '',
    renderSummaryTable(r.summary, r.repeats.length),
    '',
    `Machine: ${machineLine(r.machine)}.`,
  ];
  if (r.error !== undefined) lines.push('', `Stopped early: ${r.error}`);
  return lines.join('\n');
}

export function renderLatestFigures(results: readonly BenchmarkResult[]): string {
  if (results.length === 0) return 'No results yet: run `npm run bench` and then `npm run bench:report`.';
  return results.map(renderResult).join('\n\n');
}

/** Replaces what lies between the markers and keeps the rest of `readme` byte for byte. */
export function replaceLatestFigures(readme: string, body: string): string {
  const start = readme.indexOf(LATEST_START);
  const end = readme.indexOf(LATEST_END);
  if (start < 0 || end < start)
    throw new Error(`the README has no ${LATEST_START} … ${LATEST_END} section to replace`);
  return `${readme.slice(0, start + LATEST_START.length)}\n${body}\n${readme.slice(end)}`;
}
