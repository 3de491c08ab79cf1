// `npm run config:docs`: rewrites the configuration reference table in docs/configuration.md from the zod schema.
// With --check it only says whether the table is out of step (exit 1), for CI.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from './config-docs.ts';

const docPath = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));
const doc = readFileSync(docPath, 'utf8');
const next = withConfigTable(doc);
if (process.argv.includes('--check')) {
  if (next !== doc) {
    process.stderr.write(
      'docs/configuration.md configuration table is out of step: run `npm run config:docs`\n',
    );
    process.exitCode = 1;
  }
} else if (next !== doc) {
  writeFileSync(docPath, next);
  process.stdout.write('docs/configuration.md configuration table updated\n');
} else process.stdout.write('docs/configuration.md configuration table already up to date\n');
