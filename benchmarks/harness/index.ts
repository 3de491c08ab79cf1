export * from './argv.ts';
export * from './machine.ts';
export * from './render.ts';
export * from './results.ts';
export * from './run-benchmarks.ts';
export * from './summary.ts';
