// The composition root's public surface: the `eaio` entry point and the wiring that builds a
// running platform from config, for tests and benchmarks that drive the platform in-process.
export { main } from './cli/main.ts';
export type {
  ConsumedPosition,
  ObservePlatformOptions,
  Platform,
  PlatformEndpoints,
  PlatformObservability,
  ProcessRuntime,
  ProcessRuntimeOptions,
  RefoldProgress,
  RewindOptions,
  RewindResult,
  RewindTarget,
  RunningProcessors,
  RunningProjector,
  RunProcessorsOptions,
  RunProjectorOptions,
} from './platform/index.ts';
export {
  ALL_PROCESSORS,
  cacheTtlsOf,
  connectPlatform,
  createProcessRuntime,
  metricsServerSettings,
  observeIfEnabled,
  observePlatform,
  preparePlatform,
  projectionsStatus,
  projectorGroup,
  rebuildNamedProjection,
  refoldProjector,
  resolveEndpoints,
  rewindProjector,
  runDeadLetterIndex,
  runProcessors,
  runProjector,
} from './platform/index.ts';
