#!/usr/bin/env -S node --disable-warning=TimeoutNegativeWarning
// The CLI is TypeScript run through tsx, so `npx eaio` works straight after `npm ci` with no build step.
// kafkajs 2.2.4 schedules a negative delay (tulios/kafkajs#1751), which Node 24 warns about on every
// connection; the delay was always clamped to 1 ms, so the warning is noise.
import { register } from 'tsx/esm/api';
import { runHeapCapped } from './heap-cap.js';

if (!runHeapCapped(process.argv, process.env, process.execArgv)) {
  register();
  const { main } = await import('../app/cli/main.ts');
  try {
    await main(process.argv, process.env);
  } catch (error) {
    process.stderr.write(`eaio: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
