import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CpuProfile, ProfileWindow } from './summarise-profile.ts';

/** The repository root, against which profile urls are made relative and classified as project code. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Reads a `.cpuprofile` written by `node --cpu-prof`. */
export async function readCpuProfile(path: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
}

/** The `.cpuprofile` files at `path`: the file itself, or those in the directory, by name. */
export async function cpuProfilesAt(path: string): Promise<{ name: string; path: string }[]> {
  if (!(await stat(path)).isDirectory()) return [{ name: basename(path, '.cpuprofile'), path }];
  return (await readdir(path))
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => ({ name: basename(f, '.cpuprofile'), path: join(path, f) }));
}

/** Where the window of a stage's run is kept beside its profile. */
function windowPath(profilePath: string): string {
  return profilePath.replace(/\.cpuprofile$/, '.window.json');
}

/** Keeps the stage's window beside its profile, so a later summary leaves out start-up as the run's did. */
export async function writeProfileWindow(profilePath: string, window: ProfileWindow): Promise<void> {
  await writeFile(windowPath(profilePath), JSON.stringify(window));
}

/** The window kept beside a profile, if any. */
export async function readProfileWindow(profilePath: string): Promise<ProfileWindow | undefined> {
  try {
    return JSON.parse(await readFile(windowPath(profilePath), 'utf8')) as ProfileWindow;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
