import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Environment handed to children; `undefined` means inherit this process's environment. */
export type ChildEnv = Readonly<Record<string, string | undefined>> | undefined;

/** What `up` recorded about a process it started. */
export type PidRecord = { pid: number; marker: string };

function pidFile(runDir: string, name: string): string {
  return join(runDir, `${name}.pid`);
}

function markerFile(runDir: string, name: string): string {
  return join(runDir, `${name}.marker`);
}

/**
 * Starts `command` in its own session so it outlives the caller, with stdout and stderr appended
 * to `logFile`, and records its pid under `runDir`.
 */
export async function spawnDetached(opts: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  runDir: string;
  marker: string;
  cwd?: string;
  env?: ChildEnv;
}): Promise<number> {
  await mkdir(dirname(opts.logFile), { recursive: true });
  await mkdir(opts.runDir, { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: { ...opts.env } } : {}),
    });
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        if (child.pid === undefined) reject(new Error(`no pid for ${opts.command}`));
        else resolvePid(child.pid);
      });
    });
    child.unref();
    await writePidRecord(opts.runDir, opts.name, { pid, marker: opts.marker });
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** Records a pid (also used for processes that daemonise themselves, like the postmaster). */
export async function writePidRecord(runDir: string, name: string, record: PidRecord): Promise<void> {
  await mkdir(runDir, { recursive: true });
  await writeFile(markerFile(runDir, name), record.marker);
  await writeFile(pidFile(runDir, name), `${record.pid}\n`);
}

/** Reads the pid file of `name`, or undefined when there is none or it is garbage. */
export async function readPidRecord(runDir: string, name: string): Promise<PidRecord | undefined> {
  try {
    const pid = Number.parseInt((await readFile(pidFile(runDir, name), 'utf8')).trim(), 10);
    const marker = await readFile(markerFile(runDir, name), 'utf8').catch(() => '');
    return Number.isSafeInteger(pid) && pid > 1 ? { pid, marker } : undefined;
  } catch {
    return undefined;
  }
}

export async function removePidRecord(runDir: string, name: string): Promise<void> {
  await rm(pidFile(runDir, name), { force: true });
  await rm(markerFile(runDir, name), { force: true });
}

/** True when `pid` exists and is not a zombie waiting to be reaped. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: exists but belongs to someone else; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * True when `pid` is alive and its command line contains `marker`. Guards against killing an
 * unrelated program that got the pid of one of ours after a reboot or a crash.
 */
export async function isOurProcess(pid: number, marker: string): Promise<boolean> {
  if (marker === '' || !(await isAlive(pid))) return false;
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

/** Returns the pid of the recorded process when it is still ours and running; cleans stale records. */
export async function runningPid(runDir: string, name: string): Promise<number | undefined> {
  const record = await readPidRecord(runDir, name);
  if (!record) return undefined;
  if (await isOurProcess(record.pid, record.marker)) return record.pid;
  await removePidRecord(runDir, name);
  return undefined;
}

/** Polls until `pid` is gone or `timeoutMs` passed; true when it exited. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await delay(100);
  }
  return !(await isAlive(pid));
}

/**
 * Stops the process recorded as `name` if (and only if) it is still ours: SIGTERM, bounded wait,
 * then SIGKILL. Removes the pid record in every case. Returns what happened.
 */
export async function stopRecorded(
  runDir: string,
  name: string,
  timeoutMs = 30_000,
): Promise<'stopped' | 'killed' | 'not-running'> {
  const pid = await runningPid(runDir, name);
  if (pid === undefined) return 'not-running';
  const outcome = await terminate(pid, timeoutMs);
  await removePidRecord(runDir, name);
  return outcome;
}

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL. */
export async function terminate(
  pid: number,
  timeoutMs: number,
): Promise<'stopped' | 'killed' | 'not-running'> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  if (await waitForExit(pid, timeoutMs)) return 'stopped';
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  await waitForExit(pid, 5_000);
  return 'killed';
}

/**
 * Runs a short-lived tool to completion, capturing its output; rejects with the output on a
 * non-zero exit so the caller's error can show it.
 */
export function runTool(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: ChildEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: { ...opts.env } } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveRun(output);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} exited with ${code ?? signal}\n${output.trim().slice(-4000)}`,
          ),
        );
    });
  });
}
