import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));

/** A stage to run in its own process: `eaio <args>`. */
export interface StageCommand {
  readonly name: string;
  readonly args: readonly string[];
  /** Variables this stage alone gets on top of the common environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A stage's resident set at one moment (performance.now() ms): the largest process of its tree. */
export interface StageRssSample {
  readonly atMs: number;
  readonly stage: string;
  readonly bytes: number;
}

/** Resident and peak resident set of a process, in bytes, from /proc/<pid>/status. */
export interface ProcessMemory {
  readonly rss: number;
  readonly hwm: number;
}

/** Parses the VmRSS and VmHWM lines (kB) of a /proc/<pid>/status text; undefined when absent. */
export function parseProcStatus(status: string): ProcessMemory | undefined {
  const kB = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  };
  const rss = kB('VmRSS');
  const hwm = kB('VmHWM');
  return rss === undefined || hwm === undefined ? undefined : { rss, hwm };
}

/** A process and its descendants, from /proc/<pid>/task/<pid>/children (Linux). */
async function processTree(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const children = text.split(' ').filter(Boolean).map(Number);
  const below = await Promise.all(children.map(processTree));
  return [pid, ...below.flat()];
}

/** Running stage processes, their peak RSS as sampled, and one stop for all of them. */
export interface StageProcesses {
  readonly pids: Readonly<Record<string, number>>;
  /** Peak RSS (VmHWM, bytes) per stage, as last sampled. */
  peakRss(): Record<string, number>;
  /** Every RSS sample taken so far, oldest first. */
  rssSamples(): readonly StageRssSample[];
  /** The first stage that exited on its own, with the tail of its stderr. */
  failure(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once every process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Where a run records its children, so `--clean-up ID` can end them after the run itself was killed. */
export const pidFileOf = (id: string): string => join(tmpdir(), `eaio-bench-e2e-${id}.pids.json`);

/**
 * Starts each stage as its own `node bin/eaio.js ...` process with `env` as its whole environment
 * (config comes from it, not from this process's, as a deployment would configure it), and
 * samples every child's VmRSS/VmHWM every `sampleMs`. The children's pids go to {@link pidFileOf}.
 */
export async function startStageProcesses(
  id: string,
  stages: readonly StageCommand[],
  env: Record<string, string>,
  { sampleMs = 500 } = {},
): Promise<StageProcesses> {
  const children = new Map<string, { child: ChildProcess; exit: Promise<unknown>; stderr: string }>();
  let failed: string | undefined;
  let stopping = false;
  for (const stage of stages) {
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', BIN, ...stage.args], {
      env: { ...env, ...stage.env },
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const entry = { child, exit: once(child, 'exit'), stderr: '' };
    child.stderr?.on('data', (chunk: Buffer) => {
      entry.stderr = (entry.stderr + chunk.toString()).slice(-4_000);
    });
    void entry.exit.then(() => {
      if (!stopping && failed === undefined)
        failed = `${stage.name} exited (${child.exitCode ?? child.signalCode}): ${entry.stderr}`;
    });
    children.set(stage.name, entry);
  }
  const pids = Object.fromEntries([...children].map(([name, { child }]) => [name, child.pid ?? -1]));
  await writeFile(pidFileOf(id), JSON.stringify(pids));

  const peak: Record<string, number> = {};
  const series: StageRssSample[] = [];
  const sample = async () => {
    for (const [name, { child }] of children) {
      if (child.pid === undefined) continue;
      // `eaio process`/`project` re-exec themselves under a heap cap: the work, and the memory, is
      // in the child of the process spawned here, so the stage's figure is the largest of its tree.
      let rss = 0;
      const atMs = performance.now();
      for (const pid of await processTree(child.pid)) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
        const memory = parseProcStatus(status);
        if (memory === undefined) continue;
        peak[name] = Math.max(peak[name] ?? 0, memory.hwm, memory.rss);
        rss = Math.max(rss, memory.rss);
      }
      if (rss > 0 && !stopping) series.push({ atMs, stage: name, bytes: rss });
    }
  };
  const timer = setInterval(() => void sample(), sampleMs);

  return {
    pids,
    peakRss: () => ({ ...peak }),
    rssSamples: () => series,
    failure: () => failed,
    async stop(graceMs = 15_000) {
      stopping = true;
      await sample();
      clearInterval(timer);
      const running = [...children.values()].filter(
        (c) => c.child.exitCode === null && c.child.signalCode === null,
      );
      for (const { child } of running) child.kill('SIGTERM');
      const all = Promise.all(running.map((c) => c.exit));
      const outcome = await Promise.race([all.then(() => 'exited'), delay(graceMs).then(() => 'late')]);
      if (outcome === 'late') {
        for (const { child } of running)
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await all;
      }
      await rm(pidFileOf(id), { force: true });
    },
  };
}

/**
 * Ends the stage processes a killed run left behind: the pids in its pid file that are still an
 * `eaio` process (a pid reused by anything else is left alone). Returns how many it ended.
 */
export async function endOrphanedStages(id: string): Promise<number> {
  const text = await readFile(pidFileOf(id), 'utf8').catch(() => undefined);
  if (text === undefined) return 0;
  const pids = Object.values(JSON.parse(text) as Record<string, number>);
  let ended = 0;
  for (const pid of pids) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(BIN)) continue;
    process.kill(pid, 'SIGKILL');
    ended += 1;
    // Wait until the process is gone, so its group membership goes with it.
    for (let i = 0; i < 100; i++) {
      const state = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      if (state === '' || /^State:\s+Z/m.test(state)) break;
      await delay(50);
    }
  }
  await rm(pidFileOf(id), { force: true });
  return ended;
}
