import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));
/** How much of each stream is kept: the tail, enough for a failure message; raise it for a debug-level diagnosis. */
const KEPT_CHARS = Number(process.env.EAIO_TEST_CHILD_OUTPUT_CHARS ?? 20_000);

export interface EaioProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Everything the process wrote to stderr so far (its JSON logs), for failure messages. */
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited(): Promise<number | null>;
  /** SIGKILL: no shutdown hooks, no final commit, as a crash or an OOM kill would leave it. */
  kill(): Promise<void>;
}

/** Starts `eaio <args>` as a child process with the given environment on top of this one's. */
export function spawnEaio(args: readonly string[], env: Record<string, string>): EaioProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    // The heap cap as a node flag, so `eaio process` and `eaio project` run in this child itself rather
    // than re-executing: `kill` must SIGKILL the process doing the work, as a crash would.
    env: {
      ...process.env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=256`.trim(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-KEPT_CHARS);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-KEPT_CHARS);
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: () => exit,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
