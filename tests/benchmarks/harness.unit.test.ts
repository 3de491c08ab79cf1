import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BenchmarkResult,
  commandFor,
  formatSummary,
  LATEST_END,
  LATEST_START,
  latestResults,
  median,
  parseBenchArgs,
  parseKnobSpec,
  renderLatestFigures,
  renderSummaryTable,
  replaceLatestFigures,
  resultFileName,
  summarize,
  writeResult,
} from '../../benchmarks/harness/index.ts';
import { EaioError } from '../../infra/errors/index.ts';

const QUERIES_KNOBS = '--buildings N --calls N --processors a,b --keep --reuse ID';

describe('the summary of repeats', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });

  it('has min <= median <= max, all drawn from or between the values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }), (xs) => {
        const m = median(xs);
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(m).toBeLessThanOrEqual(Math.max(...xs));
      }),
    );
  });

  it('summarises each numeric figure, keeps distinct strings, and counts repeats that lacked a figure', () => {
    const summary = summarize([
      { rate: 100, run: 'a', errors: 2 },
      { rate: 300, run: 'b' },
      { rate: 200, run: 'a' },
    ]);
    expect(summary.rate).toEqual({ median: 200, min: 100, max: 300, n: 3 });
    expect(summary.run).toEqual({ values: ['a', 'b'], n: 3 });
    expect(summary.errors).toEqual({ median: 2, min: 2, max: 2, n: 1 });
    expect(Object.keys(summary)).toEqual(['rate', 'run', 'errors']);
  });
});

describe('the benchmark arguments', () => {
  it('reads bare and valued flags from the knobs string', () => {
    expect(parseKnobSpec(QUERIES_KNOBS)).toEqual([
      { name: 'buildings', takesValue: true },
      { name: 'calls', takesValue: true },
      { name: 'processors', takesValue: true },
      { name: 'keep', takesValue: false },
      { name: 'reuse', takesValue: true },
    ]);
  });

  it('defaults to 3 repeats after 1 warm-up and passes the knobs on in order', () => {
    const args = parseBenchArgs('queries', QUERIES_KNOBS, ['--calls', '50', '--keep', '--reuse=ab12']);
    expect(args).toEqual({
      repeat: 3,
      warmup: 1,
      knobs: { calls: '50', keep: true, reuse: 'ab12' },
      argv: ['--calls', '50', '--keep', '--reuse', 'ab12'],
    });
  });

  it('takes --repeat and --warmup for itself, and allows no warm-up', () => {
    const args = parseBenchArgs('queries', QUERIES_KNOBS, [
      '--repeat',
      '5',
      '--buildings',
      '3',
      '--warmup',
      '0',
    ]);
    expect(args.repeat).toBe(5);
    expect(args.warmup).toBe(0);
    expect(args.argv).toEqual(['--buildings', '3']);
  });

  it('refuses a flag the benchmark does not list, naming it and the accepted ones', () => {
    expect(() => parseBenchArgs('codec', '--events N', ['--event', '10'])).toThrow(
      'unknown flag --event; codec accepts --repeat N --warmup N --events N',
    );
    try {
      parseBenchArgs('codec', '--events N', ['--rows', '1']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EaioError);
      expect((e as EaioError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('refuses a missing value, a value on a bare flag, stray words and bad counts', () => {
    expect(() => parseBenchArgs('q', QUERIES_KNOBS, ['--calls'])).toThrow('--calls needs a value');
    expect(() => parseBenchArgs('q', QUERIES_KNOBS, ['--keep=yes'])).toThrow('--keep takes no value');
    expect(() => parseBenchArgs('q', QUERIES_KNOBS, ['50'])).toThrow("unexpected argument '50'");
    expect(() => parseBenchArgs('q', QUERIES_KNOBS, ['--repeat', '0'])).toThrow(
      '--repeat needs an integer >= 1',
    );
    expect(() => parseBenchArgs('q', QUERIES_KNOBS, ['--warmup', '-1'])).toThrow();
    expect(() => parseBenchArgs('q', QUERIES_KNOBS, ['--warmup', '1.5'])).toThrow(
      '--warmup needs an integer >= 0',
    );
  });

  it('writes the command that repeats a run, with only the harness flags that differ from the defaults', () => {
    const args = parseBenchArgs('queries', QUERIES_KNOBS, ['--warmup', '0', '--processors', 'a b', '--keep']);
    expect(commandFor('queries', args)).toBe("npm run bench -- queries --processors 'a b' --keep --warmup 0");
  });
});

const result = (over: Partial<BenchmarkResult> = {}): BenchmarkResult => ({
  benchmark: 'sink',
  startedAt: '2026-12-06T00:30:00.000Z',
  finishedAt: '2026-12-06T00:31:00.000Z',
  command: 'npm run bench -- sink',
  knobs: {},
  repeat: 3,
  warmup: 1,
  machine: {
    cpus: 2,
    cpuModel: 'Test CPU',
    memoryGiB: 8,
    loadAverage1m: 1.5,
    platform: 'linux x64',
    versions: { node: '24.21.0' },
    gitCommit: 'abc123',
    gitDirty: false,
  },
  repeats: [{ seconds: 1, figures: { rate: 10 } }],
  summary: { rate: { median: 1234.5678, min: 1000, max: 1500.25, n: 3 }, note: { values: ['x|y'], n: 2 } },
  ...over,
});

describe('rendering', () => {
  it('prints median [min–max], a lone value when all repeats agree, and how many runs had a figure', () => {
    expect(formatSummary({ median: 1234.5678, min: 1000, max: 1500.25, n: 3 }, 3)).toBe('1235 [1000–1500]');
    expect(formatSummary({ median: 0.12345, min: 0.12345, max: 0.12345, n: 3 }, 3)).toBe('0.123');
    expect(formatSummary({ median: 2, min: 1, max: 3, n: 2 }, 3)).toBe('2 [1–3] (2 of 3 runs)');
    expect(formatSummary({ values: ['a', 'b'], n: 3 }, 3)).toBe('a, b');
  });

  it('renders a markdown table with pipes escaped', () => {
    const table = renderSummaryTable(result().summary, 3);
    expect(table.split('\n')).toEqual([
      '| figure | median [min–max] of 3 |',
      '| --- | --- |',
      '| rate | 1235 [1000–1500] |',
      '| note | x\\|y (2 of 3 runs) |',
    ]);
  });

  it('renders each result with its command, machine and date', () => {
    const text = renderLatestFigures([result()]);
    expect(text).toContain('### sink');
    expect(text).toContain('```bash\nnpm run bench -- sink\n```');
    expect(text).toContain('2 × Test CPU, 8 GiB');
    expect(text).toContain('2026-12-06 00:30 UTC');
  });

  it('names results files by benchmark and time without colons', () => {
    expect(resultFileName('sink', '2026-12-06T00:30:00.000Z')).toBe('sink-2026-12-06T00-30-00.000Z.json');
  });
});

describe('the Latest figures section of the README', () => {
  const readme = `# Benchmarks\n\nintro\n\n## Latest figures\n\n${LATEST_START}\nold table\n${LATEST_END}\n\n## After\n\ntail text\n`;

  it('replaces only what lies between the markers', () => {
    const updated = replaceLatestFigures(readme, 'new table');
    expect(updated).toBe(
      `# Benchmarks\n\nintro\n\n## Latest figures\n\n${LATEST_START}\nnew table\n${LATEST_END}\n\n## After\n\ntail text\n`,
    );
    expect(replaceLatestFigures(updated, 'new table')).toBe(updated);
  });

  it('refuses a README without the markers rather than appending somewhere', () => {
    expect(() => replaceLatestFigures('# Benchmarks\n', 'x')).toThrow('latest-figures:start');
  });
});

describe('the newest results', () => {
  it('picks the newest run with figures per benchmark, skipping one that failed before its first repeat', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-results-'));
    try {
      await writeResult(dir, result({ startedAt: '2026-12-06T00:10:00.000Z' }));
      await writeResult(dir, result({ startedAt: '2026-12-06T00:20:00.000Z', command: 'newest good' }));
      await writeResult(dir, result({ startedAt: '2026-12-06T00:30:00.000Z', repeats: [], error: 'boom' }));
      await writeResult(dir, result({ benchmark: 'codec', startedAt: '2026-12-06T00:05:00.000Z' }));
      const latest = await latestResults(dir);
      expect(latest.map((r) => [r.benchmark, r.command])).toEqual([
        ['codec', 'npm run bench -- sink'],
        ['sink', 'newest good'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
