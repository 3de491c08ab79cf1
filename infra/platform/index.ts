export type { Platform, PlatformEndpoints } from './connect-platform.ts';
export { connectPlatform, preparePlatform } from './connect-platform.ts';
export { projectionsStatus, rebuildNamedProjection } from './projections-admin.ts';
export type { RefoldProgress } from './refold-projector.ts';
export { refoldProjector } from './refold-projector.ts';
export type { RewindOptions, RewindResult, RewindTarget } from './rewind-projector.ts';
export { rewindProjector } from './rewind-projector.ts';
export type { ConsumedPosition, RunningProjector, RunProjectorOptions } from './run-projector.ts';
export { runProjector } from './run-projector.ts';
