import { resolve } from 'node:path';
import type { EaioConfig } from '../config/index.ts';

/** Absolute locations inside the state folder; every other module derives paths from here. */
export type StackPaths = {
  root: string;
  lib: string;
  data: string;
  logs: string;
  run: string;
  conf: string;
  endpointsFile: string;
};

/** Resolves the state folder layout (relative `stateDir` is taken from the current directory). */
export function stackPaths(config: EaioConfig): StackPaths {
  const root = resolve(config.stateDir);
  return {
    root,
    lib: resolve(root, 'lib'),
    data: resolve(root, 'data'),
    logs: resolve(root, 'logs'),
    run: resolve(root, 'run'),
    conf: resolve(root, 'config'),
    endpointsFile: resolve(root, 'endpoints.json'),
  };
}
