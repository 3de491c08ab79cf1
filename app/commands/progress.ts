import { Presets, SingleBar } from 'cli-progress';

/** Progress of long work (import, replay, rebuild, the simulator's backfill), as people and machines read it. */
export interface ProgressReporter {
  /** Starts reporting; `total` may be 0 while it is not known yet. */
  start(total: number, done?: number): void;
  /** Moves to `done` (and to a new `total` when given); throttled, so it may be called per batch. */
  update(done: number, total?: number): void;
  /** Ends reporting: the bar is finished, and a last structured line says where it ended. */
  stop(): void;
}

/** One structured progress line: what a log shipper or a script reads when stderr is not a terminal. */
export interface ProgressLine {
  readonly task: string;
  readonly unit: string;
  readonly done: number;
  /** Null while the total is not known. */
  readonly total: number | null;
  readonly percent: number | null;
  /** Units per second since the start. */
  readonly ratePerSecond: number;
  /** Seconds left at the rate so far; null while nothing is done or the total is unknown. */
  readonly etaSeconds: number | null;
  readonly elapsedSeconds: number;
  readonly finished: boolean;
}

/** Where structured lines go: a pino logger (its `info`) is one. */
export interface ProgressLog {
  info(fields: ProgressLine, msg: string): void;
}

export interface ProgressOptions {
  /** What is being done, e.g. `import weather2.csv`, `simulate backfill`. */
  readonly task: string;
  /** What is counted, e.g. `readings`, `events`, `bytes`. */
  readonly unit: string;
  /** Where a terminal's bar is drawn. */
  readonly stream: NodeJS.WriteStream;
  /** Structured lines go here (pino: JSON lines on stderr) when the stream is not a terminal. */
  readonly logger: ProgressLog;
  /** Draw a bar (a terminal) rather than write structured lines; defaults to `stream.isTTY`. */
  readonly interactive?: boolean;
  /** Least time between two structured lines. */
  readonly everyMs?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The figures of one progress line: rate since the start, and the time left at that rate. */
export function progressLine(
  task: string,
  unit: string,
  done: number,
  total: number | undefined,
  elapsedMs: number,
  finished: boolean,
): ProgressLine {
  const elapsedSeconds = Math.max(elapsedMs, 1) / 1000;
  const rate = done / elapsedSeconds;
  const known = total !== undefined && total > 0;
  return {
    task,
    unit,
    done,
    total: known ? total : null,
    percent: known ? round(Math.min(100, (done * 100) / total), 1) : null,
    ratePerSecond: round(rate, 1),
    etaSeconds: known && rate > 0 ? round(Math.max(0, total - done) / rate, 1) : null,
    elapsedSeconds: round(elapsedSeconds, 1),
    finished,
  };
}

/**
 * A progress bar with rate and ETA on a terminal (cli-progress), and otherwise one structured line
 * (`msg: "progress"`, the fields of {@link ProgressLine}) every `everyMs` and one when it stops, so a
 * log file or CI shows how far long work got without a bar's control characters.
 */
export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? 5_000;
  const interactive = options.interactive ?? options.stream.isTTY === true;
  let started: number | undefined;
  let lastLine = 0;
  let done = 0;
  let total: number | undefined;
  const rate = () => Math.round((done * 1000) / Math.max(1, now() - (started ?? now())));
  const bar = interactive
    ? new SingleBar(
        {
          stream: options.stream,
          format: `${options.task} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {rate}/s | ETA {eta_formatted}`,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      )
    : undefined;
  const line = (finished: boolean) =>
    progressLine(options.task, options.unit, done, total, now() - (started ?? now()), finished);
  return {
    start(initialTotal, initialDone = 0) {
      started = now();
      lastLine = started;
      done = initialDone;
      total = initialTotal > 0 ? initialTotal : undefined;
      bar?.start(Math.max(1, initialTotal), initialDone, { rate: 0 });
    },
    update(nextDone, nextTotal) {
      if (started === undefined) this.start(nextTotal ?? 0);
      done = nextDone;
      if (nextTotal !== undefined && nextTotal > 0) {
        total = nextTotal;
        bar?.setTotal(nextTotal);
      }
      if (bar !== undefined) {
        bar.update(nextDone, { rate: rate() });
        return;
      }
      if (now() - lastLine < everyMs) return;
      lastLine = now();
      options.logger.info(line(false), 'progress');
    },
    stop() {
      if (started === undefined) return;
      if (bar !== undefined) {
        bar.update(done, { rate: rate() });
        bar.stop();
      } else options.logger.info(line(true), 'progress');
      started = undefined;
    },
  };
}
