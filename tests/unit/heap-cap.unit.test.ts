import { describe, expect, it } from 'vitest';
// @ts-expect-error bin/heap-cap.js is plain JavaScript run before tsx is registered, without typings.
import { capFor } from '../../bin/heap-cap.js';

const cap = (args: string[], env: Record<string, string> = {}, execArgv: string[] = []) =>
  capFor(['node', 'bin/eaio.js', ...args], env, execArgv) as number | undefined;

describe('heap cap of the eaio commands', () => {
  it('caps every command that holds stream state, start with room for all its stages', () => {
    expect(cap(['process', 'reading-aggregates'])).toBe(256);
    expect(cap(['project'])).toBe(256);
    expect(cap(['replay', '--to-earliest', '--run'])).toBe(256);
    expect(cap(['--config', 'eaio.yaml', 'start'])).toBe(512);
  });

  it('leaves short commands, a capped child and an explicit heap size alone', () => {
    expect(cap(['projections', 'status'])).toBeUndefined();
    expect(cap(['--config', 'project', 'schemas'])).toBeUndefined();
    expect(cap(['project'], { EAIO_HEAP_CAPPED_CHILD: '1' })).toBeUndefined();
    expect(cap(['replay'], { NODE_OPTIONS: '--max-old-space-size=1024' })).toBeUndefined();
    expect(cap(['start'], {}, ['--max-old-space-size=2048'])).toBeUndefined();
  });

  it('takes EAIO_MAX_OLD_SPACE_MB for every capped command, 0 for none, and refuses other values', () => {
    expect(cap(['replay'], { EAIO_MAX_OLD_SPACE_MB: '384' })).toBe(384);
    expect(cap(['start'], { EAIO_MAX_OLD_SPACE_MB: '0' })).toBeUndefined();
    expect(() => cap(['project'], { EAIO_MAX_OLD_SPACE_MB: '1.5g' })).toThrow(/whole number of MiB/);
  });
});
