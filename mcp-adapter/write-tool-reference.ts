// `npm run mcp:docs`: rewrites the README's MCP tool reference from the tools' zod schemas.
// With --check it only says whether the reference is out of step (exit 1).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withToolReference } from './tool-reference.ts';
import { TOOLS } from './tools/index.ts';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = readFileSync(readmePath, 'utf8');
const next = withToolReference(readme, TOOLS);
if (process.argv.includes('--check')) {
  if (next !== readme) {
    process.stderr.write('README.md tool reference is out of step: run `npm run mcp:docs`\n');
    process.exitCode = 1;
  }
} else if (next !== readme) {
  writeFileSync(readmePath, next);
  process.stdout.write('README.md tool reference updated\n');
} else process.stdout.write('README.md tool reference already up to date\n');
