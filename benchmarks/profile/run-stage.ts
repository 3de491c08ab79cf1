import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EaioConfig } from '../../infra/config/index.ts';
import type { StackEndpoints } from '../../infra/stack/index.ts';
import type { FromStage, ToStage } from './stage-messages.ts';
import type { ProfileWindow } from './summarise-profile.ts';

/** How one stage ran alone under the profiler. */
export interface StageRun {
  /** From the child connecting to its group's position reaching the input's end. */
  readonly ms: number;
  /**
   * Consumed per second between the first and the last poll that saw the group's position move: the
   * rate once consuming, without joining the group and restoring state (positions count transaction
   * markers too, so on processor outputs it slightly overstates).
   */
  readonly steadyPerS: number;
  readonly caughtUp: boolean;
  /** The largest peak RSS of the stage's processes. */
  readonly peakRssBytes: number;
  readonly projected: number;
  /** The first process's profile (each process writes its own). */
  readonly profile: string;
  /** The stage's run in the profile's clock, from starting it to being told to stop. */
  readonly window: ProfileWindow;
}

/** Where a stage's group stands: at the end of its backlog or not, and how far it has read (sum of positions). */
export interface StagePosition {
  readonly done: boolean;
  readonly position: bigint;
}

export interface StageRunOptions {
  readonly id: string;
  readonly stage: string;
  readonly config: EaioConfig;
  readonly endpoints: StackEndpoints;
  readonly outDir: string;
  readonly intervalUs: number;
  readonly timeoutMs: number;
  /** Whether the stage's consumer group has reached the end of its backlog. */
  readonly atEnd: (groupId: string) => Promise<StagePosition>;
  /** Processes of the stage in its one consumer group (1 unless told). */
  readonly processes?: number;
}

/** The profile file of process `index` (0-based) of a stage run with `processes` processes. */
export const profileNameOf = (stage: string, processes: number, index: number): string =>
  processes === 1 ? `${stage}.cpuprofile` : `${stage}.x${processes}.${index + 1}.cpuprofile`;

const CHILD = fileURLToPath(new URL('./stage-child.ts', import.meta.url));
const POLL_MS = 250;

function next(child: ChildProcess, type: FromStage['type'], timeoutMs: number): Promise<FromStage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`stage child sent no "${type}" within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: FromStage) => {
      if (message.type === 'failed') done(new Error(`stage child failed: ${message.message}`));
      else if (message.type === type) done(undefined, message);
    };
    const onExit = (code: number | null) => done(new Error(`stage child exited (${code}) before "${type}"`));
    function done(error: Error | undefined, message?: FromStage) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as FromStage);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/**
 * Runs one stage in `processes` children (one by default) under `node --cpu-prof`, all in the stage's
 * one consumer group, until the group reaches the end of the backlog (or the timeout), then stops
 * them so they exit normally and write their profiles (see {@link profileNameOf}).
 */
export async function runStageProfiled(options: StageRunOptions): Promise<StageRun> {
  const count = options.processes ?? 1;
  const profiles = Array.from({ length: count }, (_, i) => profileNameOf(options.stage, count, i));
  const children = profiles.map((profile) =>
    fork(CHILD, [], {
      execArgv: [
        '--import',
        'tsx',
        '--cpu-prof',
        `--cpu-prof-dir=${options.outDir}`,
        `--cpu-prof-name=${profile}`,
        `--cpu-prof-interval=${options.intervalUs}`,
      ],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const exited = Promise.all(
    children.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve()))),
  );
  try {
    const connecting = children.map((child) => next(child, 'connecting', 60_000));
    const run: ToStage = {
      type: 'run',
      id: options.id,
      stage: options.stage,
      config: options.config,
      endpoints: options.endpoints,
    };
    for (const child of children) child.send(run);
    // The window is the first process's: its profile is the one summarised.
    const { atUs } = (await connecting[0]) as Extract<FromStage, { type: 'connecting' }>;
    await Promise.all(connecting);
    const started = performance.now();
    const runningAll = await Promise.all(children.map((child) => next(child, 'running', 60_000)));
    const running = runningAll[0] as Extract<FromStage, { type: 'running' }>;
    let caughtUp = false;
    let first: { at: number; position: bigint } | undefined;
    let last: { at: number; position: bigint } | undefined;
    while (performance.now() - started < options.timeoutMs) {
      const { done, position } = await options.atEnd(running.groupId);
      const at = performance.now();
      if (position > 0n && first === undefined) first = { at, position };
      if (last === undefined || position > last.position) last = { at, position };
      if (done) {
        caughtUp = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const ms = performance.now() - started;
    const steadyPerS =
      first !== undefined && last !== undefined && last.at > first.at
        ? Number(last.position - first.position) / ((last.at - first.at) / 1000)
        : Number.NaN;
    const stopped = children.map((child) => next(child, 'stopped', 60_000));
    for (const child of children) child.send({ type: 'stop' } satisfies ToStage);
    const figures = (await Promise.all(stopped)) as Extract<FromStage, { type: 'stopped' }>[];
    await exited;
    return {
      ms,
      steadyPerS,
      caughtUp,
      peakRssBytes: Math.max(...figures.map((f) => f.maxRssBytes)),
      projected: figures.reduce((n, f) => n + f.projected, 0),
      profile: profiles[0] as string,
      window: { fromUs: atUs, toUs: (figures[0] as Extract<FromStage, { type: 'stopped' }>).stopAtUs },
    };
  } finally {
    // Only on failure is one still running: the children are ours, stopped by their own handles.
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
