import { open } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { type ServiceName, StackError } from './errors.ts';
import { isAlive } from './process-control.ts';

export const DEFAULT_READY_TIMEOUT_MS = 120_000;

/** Last `lines` lines of a (possibly large) log file; empty when it cannot be read. */
export async function tailFile(path: string, lines = 20): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

/**
 * Polls `check` every `intervalMs` until it returns true. Fails with a StackError that names the
 * log file and shows its tail when the deadline passes or the watched process dies first (no point
 * waiting two minutes for a JVM that crashed on start-up).
 */
export async function waitUntilReady(opts: {
  service: ServiceName;
  what: string;
  check: () => Promise<boolean>;
  logFile: string;
  pid?: number;
  timeoutMs?: number;
  intervalMs?: number;
}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await opts.check().catch(() => false)) return;
    if (opts.pid !== undefined && !(await isAlive(opts.pid))) {
      throw await notReady(
        opts.service,
        `${opts.what}: process ${opts.pid} exited before it was ready`,
        opts.logFile,
      );
    }
    if (Date.now() >= deadline) {
      throw await notReady(opts.service, `${opts.what}: not ready after ${timeoutMs / 1000} s`, opts.logFile);
    }
    await delay(opts.intervalMs ?? 250);
  }
}

async function notReady(service: ServiceName, message: string, logFile: string): Promise<StackError> {
  const tail = await tailFile(logFile);
  return new StackError(
    service,
    'STACK_NOT_READY',
    'transient',
    `${message}. Log: ${logFile}\n--- last lines of ${logFile} ---\n${tail || '(empty)'}`,
  );
}
