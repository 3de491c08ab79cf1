// `npm run mcp:docs`: rewrites the MCP tool reference in docs/mcp-tools.md from the tools' zod schemas.
// With --check it only says whether the reference is out of step (exit 1).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withToolReference } from './tool-reference.ts';
import { TOOLS } from './tools/index.ts';

const docPath = fileURLToPath(new URL('../docs/mcp-tools.md', import.meta.url));
const doc = readFileSync(docPath, 'utf8');
const next = withToolReference(doc, TOOLS);
if (process.argv.includes('--check')) {
  if (next !== doc) {
    process.stderr.write('docs/mcp-tools.md tool reference is out of step: run `npm run mcp:docs`\n');
    process.exitCode = 1;
  }
} else if (next !== doc) {
  writeFileSync(docPath, next);
  process.stdout.write('docs/mcp-tools.md tool reference updated\n');
} else process.stdout.write('docs/mcp-tools.md tool reference already up to date\n');
