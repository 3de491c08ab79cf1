import { parseArgs } from 'node:util';
import { cpuProfilesAt, REPO_ROOT, readCpuProfile, readProfileWindow } from './profile-file.ts';
import {
  formatCategoryMatrix,
  formatSummary,
  type ProfileSummary,
  summariseProfile,
} from './summarise-profile.ts';

/**
 * `npx tsx benchmarks/profile/summarise.ts <dir-or-file> [--top N] [--root DIR]`: prints each
 * `.cpuprofile`'s share of time by category and its top frames by self time, as Markdown. A
 * `<name>.window.json` beside a profile (written by `npm run bench -- profile`) limits it to the
 * stage's run; `--whole` counts everything, start-up included.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '10' },
    root: { type: 'string', default: REPO_ROOT },
    whole: { type: 'boolean', default: false },
  },
});
const [target] = positionals;
if (target === undefined) {
  process.stderr.write(
    'usage: npx tsx benchmarks/profile/summarise.ts <dir-or-file> [--top N] [--root DIR] [--whole]\n',
  );
  process.exit(2);
}
const summaries: { name: string; summary: ProfileSummary }[] = [];
for (const { name, path } of await cpuProfilesAt(target)) {
  const window = values.whole ? undefined : await readProfileWindow(path);
  const summary = summariseProfile(await readCpuProfile(path), {
    root: values.root,
    top: Number(values.top),
    ...(window ? { window } : {}),
  });
  summaries.push({ name, summary });
  process.stdout.write(`${formatSummary(name, summary)}\n`);
}
if (summaries.length > 1) process.stdout.write(`### All profiles\n\n${formatCategoryMatrix(summaries)}\n`);
