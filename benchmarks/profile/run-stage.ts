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
  readonly peakRssBytes: number;
  readonly projected: number;
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
}

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
 * Runs one stage in a child under `node --cpu-prof` until its group reaches the end of the backlog
 * (or the timeout), then stops it so it exits normally and writes `<outDir>/<stage>.cpuprofile`.
 */
export async function runStageProfiled(options: StageRunOptions): Promise<StageRun> {
  const profile = `${options.stage}.cpuprofile`;
  const child = fork(CHILD, [], {
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
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const connecting = next(child, 'connecting', 60_000);
    const run: ToStage = {
      type: 'run',
      id: options.id,
      stage: options.stage,
      config: options.config,
      endpoints: options.endpoints,
    };
    child.send(run);
    const { atUs } = (await connecting) as Extract<FromStage, { type: 'connecting' }>;
    const started = performance.now();
    const running = (await next(child, 'running', 60_000)) as Extract<FromStage, { type: 'running' }>;
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
    const stopped = next(child, 'stopped', 60_000);
    child.send({ type: 'stop' } satisfies ToStage);
    const figures = (await stopped) as Extract<FromStage, { type: 'stopped' }>;
    await exited;
    return {
      ms,
      steadyPerS,
      caughtUp,
      peakRssBytes: figures.maxRssBytes,
      projected: figures.projected,
      profile,
      window: { fromUs: atUs, toUs: figures.stopAtUs },
    };
  } finally {
    // Only on failure is it still running: the child is ours, stopped by its own handle.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
