export type { Platform, PlatformEndpoints } from './connect-platform.ts';
export { connectPlatform, preparePlatform } from './connect-platform.ts';
export type { RunningProjector } from './run-projector.ts';
export { runProjector } from './run-projector.ts';
