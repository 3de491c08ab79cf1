import { execFile } from 'node:child_process';
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A size-limited tmpfs mounted at `dir` (needs root, as CI has): a disk that fills in seconds and
 * goes away with the unmount. `unmount` is safe to call twice and after a failed mount.
 */
export interface Tmpfs {
  readonly dir: string;
  /** Free bytes as `statfs` reports them. */
  free(): Promise<number>;
  /** Writes a filler file until the disk refuses (`ENOSPC`); returns the bytes written. */
  fill(): Promise<number>;
  /** Deletes the filler: the space is back at once. */
  release(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(dir: string, sizeMb: number, mode = '0755'): Promise<Tmpfs> {
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=${mode}`, 'tmpfs', dir]);
  const filler = join(dir, 'disk-filler');
  let mounted = true;
  return {
    dir,
    async free() {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    },
    async fill() {
      const handle = await open(filler, 'a');
      const block = Buffer.alloc(1 << 20, 1);
      let written = 0;
      try {
        for (;;) {
          const { bytesWritten } = await handle.write(block);
          written += bytesWritten;
          if (bytesWritten < block.length) break;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await handle.close();
      }
      return written;
    },
    async release() {
      await rm(filler, { force: true });
    },
    async unmount() {
      if (!mounted) return;
      // Lazy: a process of the test that still holds a file open must not keep the mount behind.
      await run('umount', ['-l', dir]);
      mounted = false;
    },
  };
}
