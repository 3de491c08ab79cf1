import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const EAIO = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));
const PEAK_RSS_MARK = '@@eaio-bench-peak-rss-kb ';
/**
 * Preloaded into the child: reports the process's own peak RSS (getrusage's ru_maxrss, exact, not
 * sampled) on stderr as it exits. Writes to a pipe are synchronous on Linux, so the line is not lost.
 */
const REPORT_PEAK_RSS = `process.on('exit', () => process.stderr.write('\\n${PEAK_RSS_MARK}' + process.resourceUsage().maxRSS + '\\n'));`;

/** One `eaio` command run as a user runs it, in its own process. */
export interface EaioRun {
  readonly seconds: number;
  readonly peakRssMiB: number;
  /** What the command said on stderr (its progress lines), without the peak RSS line. */
  readonly stderr: string;
}

export interface EaioRunOptions {
  readonly env: Readonly<Record<string, string>>;
  /** Write a V8 CPU profile of the process into this folder (`node --cpu-prof`). */
  readonly cpuProfDir?: string;
  readonly signal?: AbortSignal;
}

/**
 * The largest peak RSS line in a run's stderr and the rest of what it said. `eaio replay` re-executes
 * itself under the heap cap with the same node flags, so the preload reports in both processes: the
 * child doing the work, then the small parent waiting for it.
 */
export function peakRssOf(stderr: string): { peakKb: number; said: string } {
  let peakKb = Number.NaN;
  const lines: string[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith(PEAK_RSS_MARK)) lines.push(line);
    else {
      const kb = Number.parseInt(line.slice(PEAK_RSS_MARK.length), 10);
      peakKb = Number.isNaN(peakKb) ? kb : Math.max(peakKb, kb);
    }
  }
  return { peakKb, said: lines.join('\n').trim() };
}

/**
 * Runs `node bin/eaio.js <args>` (what `npx eaio <args>` runs) and times it from spawn to exit, start-up
 * included; fails with the command's last words when it exits with an error.
 */
export async function runEaio(args: readonly string[], options: EaioRunOptions): Promise<EaioRun> {
  const node = [
    '--disable-warning=TimeoutNegativeWarning',
    `--import=data:text/javascript,${encodeURIComponent(REPORT_PEAK_RSS)}`,
    ...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`]),
  ];
  const started = performance.now();
  const child = spawn(process.execPath, [...node, EAIO, ...args], {
    env: { ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    // Bounded: a failing command's last words are enough.
    stderr = (stderr + chunk).slice(-64_000);
  });
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  const seconds = (performance.now() - started) / 1000;
  const { peakKb, said } = peakRssOf(stderr);
  if (code !== 0) {
    throw new Error(`eaio ${args.join(' ')} exited with ${code ?? signal}: ${said.slice(-2_000)}`);
  }
  return { seconds, peakRssMiB: Math.round(peakKb / 1024), stderr: said };
}
