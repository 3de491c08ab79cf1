import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where Debian's `faketime` package puts libfaketime (`/usr/lib/<arch>/faketime/libfaketime.so.1`);
 * undefined when it is not installed (`.ci/run` installs it).
 */
export function libfaketimePath(): string | undefined {
  for (const arch of readdirSync('/usr/lib')) {
    const candidate = join('/usr/lib', arch, 'faketime', 'libfaketime.so.1');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The environment that runs a child process under a shifted wall clock: `offset` as libfaketime
 * reads it (`+2d`, `-6h`). Only the wall clock moves: the monotonic clock stays real, so the child's
 * timers, timeouts and kafkajs's request deadlines run at their real pace, as on a host whose clock
 * is wrong rather than one whose time runs differently.
 */
export function shiftedClockEnv(offset: string): Record<string, string> {
  const lib = libfaketimePath();
  if (lib === undefined)
    throw new Error('libfaketime is not installed: apt-get install faketime (the Debian package)');
  const preload = process.env.LD_PRELOAD;
  return {
    LD_PRELOAD: preload ? `${lib}:${preload}` : lib,
    FAKETIME: offset,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

/** `Date.now()` as a child node process under `shiftedClockEnv(offset)` sees it: proof the shift applies. */
export function childNow(offset: string): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(Date.now()))'], {
    env: { ...process.env, ...shiftedClockEnv(offset) },
  });
  return Number(child.stdout.toString());
}
