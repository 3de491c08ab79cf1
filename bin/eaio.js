#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx eaio` works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli/main.ts');
try {
  await main(process.argv, process.env);
} catch (error) {
  process.stderr.write(`eaio: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
