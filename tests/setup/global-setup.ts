import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../infra/config/index.ts';
import { type StackEndpoints, stackUp } from '../../infra/stack/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: StackEndpoints;
  }
}

/** Brings the real stack up (or finds it running) once for the whole suite. */
export async function setup(project: TestProject): Promise<void> {
  const config = loadConfig(process.env);
  const endpoints = await stackUp(config, {
    log: (line) => process.stderr.write(`[stack] ${line}\n`),
    env: process.env,
  });
  project.provide('endpoints', endpoints);
}
