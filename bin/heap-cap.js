// Re-executes the long-running stream commands with a capped V8 heap. Without a cap V8 sizes the old
// generation from the machine's memory and lets garbage pile up to hundreds of MiB before a full
// collection; the processors' live data is far smaller (see README, "Heap cap of the stream processes").
import { spawn } from 'node:child_process';

/**
 * The commands that hold stream state while they run, and each one's default old-space cap in MiB.
 * `replay --run` folds the log in the projector's code, so it gets the projector's cap (uncapped it
 * reached 1.4 GiB RSS on a 3-day BDG2 fleet); `start` runs the projector, every processor, the
 * dead-letter index and the MCP server in one process, so it gets room for all of them.
 */
const CAPPED_COMMANDS = new Map([
  ['process', 256],
  ['project', 256],
  ['replay', 256],
  ['start', 512],
]);
/** Global options that take a value, so the command is the first other word. */
const OPTIONS_WITH_VALUE = new Set(['--config', '--set']);
/** Set in the child, so it neither re-executes itself nor outlives its parent. */
const CHILD_MARK = 'EAIO_HEAP_CAPPED_CHILD';

function commandOf(args) {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (OPTIONS_WITH_VALUE.has(arg)) i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The old-space cap in MiB, or undefined when this process should run as it is. */
export function capFor(argv, env, execArgv) {
  if (env[CHILD_MARK] === '1') return undefined;
  const defaultMb = CAPPED_COMMANDS.get(commandOf(argv.slice(2)) ?? '');
  if (defaultMb === undefined) return undefined;
  // Whoever set a heap size already (NODE_OPTIONS or node's own flags) has the last word.
  const flags = `${env.NODE_OPTIONS ?? ''} ${execArgv.join(' ')}`;
  if (flags.includes('--max-old-space-size')) return undefined;
  const configured = env.EAIO_MAX_OLD_SPACE_MB;
  if (configured === undefined || configured === '') return defaultMb;
  const mb = Number(configured);
  if (!Number.isInteger(mb) || mb < 0)
    throw new Error(`EAIO_MAX_OLD_SPACE_MB must be a whole number of MiB, not '${configured}'`);
  // 0 turns the cap off.
  return mb === 0 ? undefined : mb;
}

/**
 * Runs the command in a child node with `--max-old-space-size` when it is a capped one and returns
 * true (the caller does nothing more: the exit code and signal are the child's); returns false when
 * this process should run the command itself. A capped child exits when its parent dies.
 */
export function runHeapCapped(argv, env, execArgv) {
  if (env[CHILD_MARK] === '1' && typeof process.send === 'function') {
    // The parent is gone (killed, say) once the IPC channel closes: stop as on a SIGTERM.
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    process.channel?.unref();
  }
  const mb = capFor(argv, env, execArgv);
  if (mb === undefined) return false;
  const child = spawn(process.execPath, [...execArgv, `--max-old-space-size=${mb}`, ...argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...env, [CHILD_MARK]: '1' },
    // Its own process group: a terminal's Ctrl-C reaches the parent only, which forwards it once
    // (a second SIGINT would cut the child's orderly stop short).
    detached: true,
  });
  const forward = (signal) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal !== null) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  child.on('error', (error) => {
    process.stderr.write(`eaio: could not start the heap-capped process: ${error.message}\n`);
    process.exit(1);
  });
  return true;
}
