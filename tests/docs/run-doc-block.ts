// Runs one doc command block the way docs/README.md promises: bash -eo pipefail from the repository
// root, `npx eaio` as this checkout's CLI, the test slice's environment on top of this process's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { type CodeBlock, REPO_ROOT } from './markdown-blocks.ts';

/** PATH with the Node running the tests (24, from node_modules) and the project's bins first, as `npm run` has it. */
export function withProjectBins(): string {
  return [dirname(process.execPath), join(REPO_ROOT, 'node_modules/.bin'), process.env.PATH ?? ''].join(':');
}

/** Longest a block may take: generous, since a CLI start costs seconds of CPU on a busy 2-core machine. */
export const BLOCK_TIMEOUT_MS = 180_000;

// `npx eaio …` in a doc means this checkout's CLI: a function rather than a text rewrite, so pipes,
// `$(…)` and line continuations keep working. Any other npx goes to the real one.
const PRELUDE = `npx() { if [ "$1" = eaio ]; then shift; node "$EAIO_DOC_BIN" "$@"; else command npx "$@"; fi; }\n`;

interface BlockRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly timedOut: boolean;
}

export async function runBlock(block: CodeBlock, env: Record<string, string>): Promise<BlockRun> {
  const child = spawn('bash', ['-eo', 'pipefail', '-c', PRELUDE + block.code], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout ends whatever the block started too.
    detached: true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, BLOCK_TIMEOUT_MS);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, output, timedOut };
}

/** Lines of an expected-output block that must appear in order; `...` / `…` stand for anything. */
export function missingOutputLines(expected: string, actual: string): string[] {
  const missing: string[] = [];
  let from = 0;
  for (const line of expected.split('\n').map((l) => l.trim())) {
    if (line === '' || line === '...' || line === '…') continue;
    const at = actual.indexOf(line, from);
    if (at === -1) missing.push(line);
    else from = at + line.length;
  }
  return missing;
}
