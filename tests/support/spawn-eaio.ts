import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/eaio.js', import.meta.url));

export interface EaioProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far (its JSON logs), for failure messages. */
  stderr(): string;
  /** SIGKILL: no shutdown hooks, no final commit, as a crash or an OOM kill would leave it. */
  kill(): Promise<void>;
}

/** Starts `eaio <args>` as a child process with the given environment on top of this one's. */
export function spawnEaio(args: readonly string[], env: Record<string, string>): EaioProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  return {
    child,
    stderr: () => stderr,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
