// The composition root's public surface: the `eaio` entry point and the wiring that builds a
// running platform from config, for tests and benchmarks that drive the platform in-process.
export { main } from './cli/main.ts';
// Forecast models (issue 15): the trainer and forecaster `eaio models` and `eaio start` run.
export type { ForecastReport, ModelJobDeps, TrainReport } from './models/index.ts';
export { issueForecasts, startModelJob, trainModels } from './models/index.ts';
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
  TelemetryRecorderOptions,
} from './platform/index.ts';
export {
  ALL_PROCESSORS,
  cacheTtlsOf,
  connectPlatform,
  createPlatformAuditTrail,
  createPlatformPipelineAdmin,
  createProcessRuntime,
  createTelemetryRecorder,
  issueLocalToken,
  localPrincipalOf,
  MCP_REDRIVE_SOURCE,
  mcpHttpSettings,
  metricsServerSettings,
  observeIfEnabled,
  observePlatform,
  platformMcpServerFactory,
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
  untilSignal,
} from './platform/index.ts';
