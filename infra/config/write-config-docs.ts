// `npm run config:docs`: rewrites the README configuration table from the zod schema.
// With --check it only says whether the table is out of step (exit 1), for CI.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from './config-docs.ts';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
const readme = readFileSync(readmePath, 'utf8');
const next = withConfigTable(readme);
if (process.argv.includes('--check')) {
  if (next !== readme) {
    process.stderr.write('README.md configuration table is out of step: run `npm run config:docs`\n');
    process.exitCode = 1;
  }
} else if (next !== readme) {
  writeFileSync(readmePath, next);
  process.stdout.write('README.md configuration table updated\n');
} else process.stdout.write('README.md configuration table already up to date\n');
