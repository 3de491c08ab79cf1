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
 * is wrong rather than one whose time runs differently. It replaces any LD_PRELOAD of the parent's.
 */
export function shiftedClockEnv(offset: string): Record<string, string> {
  const lib = libfaketimePath();
  if (lib === undefined)
    throw new Error('libfaketime is not installed: apt-get install faketime (the Debian package)');
  return { LD_PRELOAD: lib, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

/**
 * The wall clock (`Date.now()`, ms since the epoch) and the monotonic clock (`process.hrtime`, ns
 * since boot, the same origin in every process) as a child node process under
 * `shiftedClockEnv(offset)` sees them: proof that the shift applies to the wall clock only.
 */
export function childClocks(offset: string): { readonly wallMs: number; readonly monotonicNs: bigint } {
  const child = spawnSync(
    process.execPath,
    ['-e', 'process.stdout.write(Date.now() + " " + process.hrtime.bigint())'],
    { env: shiftedClockEnv(offset), encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`node under libfaketime exited ${child.status}: ${child.stderr}`);
  const [wall, monotonic] = child.stdout.split(' ');
  return { wallMs: Number(wall), monotonicNs: BigInt(monotonic ?? '') };
}
